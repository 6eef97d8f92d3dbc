package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultName is the cluster name used when none is given.
const DefaultName = "zeta"

// maxNameLen keeps derived names (netns names, paths) short.
const maxNameLen = 32

// ValidateName checks that name can be part of every derived name: a
// DNS-1123 label of at most 32 characters. It has no underscore, so the
// prefix "zl_NAME_" of one cluster is never a prefix of another's.
func ValidateName(name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("invalid cluster name %q: %s", name, strings.Join(errs, "; "))
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("invalid cluster name %q: longer than %d characters", name, maxNameLen)
	}
	return nil
}

// NetnsPrefix is the prefix of every network namespace of cluster name.
func NetnsPrefix(name string) string { return "zl_" + name + "_" }

// FabricNetns is the namespace holding the bridge that links the nodes.
func FabricNetns(name string) string { return NetnsPrefix(name) + "fabric" }

// NodeNetns is the namespace of a node.
func NodeNetns(name, node string) string { return NetnsPrefix(name) + "node_" + node }

// PodNetns is the namespace of a pod.
func PodNetns(name, namespace, pod string) string {
	return NetnsPrefix(name) + "pod_" + namespace + "_" + pod
}

// HostVeth is the node-side name of a pod's veth: "lxc" and 8 hex digits of
// a hash of the cluster name and pod key.
func HostVeth(name, key string) string {
	sum := sha256.Sum256([]byte(name + "/" + key))
	return "lxc" + hex.EncodeToString(sum[:4])
}
