// Package source defines how cluster state reaches the agent: a Source
// sends events about Namespaces, Pods and NetworkPolicies. The directory
// source (standalone mode) and, later, Kubernetes informers implement it;
// nothing else in the agent knows where state comes from.
package source

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
)

// EventType says what happened to an object.
type EventType int

const (
	// Upsert adds an object or replaces it (matched by kind, namespace, name).
	Upsert EventType = iota
	// Delete removes an object.
	Delete
	// Synced closes a batch: the agent's state is now a consistent picture
	// of the source at Revision. The first Synced ends the initial listing;
	// until it arrives the agent keeps whatever enforcement it adopted.
	Synced
)

// Event is one change. Object is a *corev1.Namespace, *corev1.Pod or
// *networkingv1.NetworkPolicy for Upsert and Delete, nil for Synced.
type Event struct {
	Type     EventType
	Object   runtime.Object
	Revision string
}

// Source streams cluster state.
type Source interface {
	// Run sends events until ctx is done or the source fails; it returns
	// nil when ctx is done.
	Run(ctx context.Context, events chan<- Event) error
}
