package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// ErrNotFound is returned by Open when no cluster has the name.
var ErrNotFound = errors.New("no such cluster")

// Cluster is a running sandbox cluster. Its methods may be called from
// several goroutines, except that Apply, RestartAgent and Down must not
// run concurrently with the others on the same value.
type Cluster struct {
	st  *state.State
	log *slog.Logger
}

// Open returns the running cluster called name, built by this or another
// process.
func Open(name string, log *slog.Logger) (*Cluster, error) {
	st, err := state.Load(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open cluster %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open cluster %s: %w", name, err)
	}
	return &Cluster{st: st, log: logger(log)}, nil
}

// Name is the cluster's name.
func (c *Cluster) Name() string { return c.st.Name }

// Source is the manifests directory last applied.
func (c *Cluster) Source() string { return c.st.Source }

// Nodes returns the nodes, sorted by name.
func (c *Cluster) Nodes() []plan.Node { return slices.Clone(c.st.Plan.Nodes) }

// Pods returns the pods that run, sorted by key: virtual pods exist only
// in the manifests.
func (c *Cluster) Pods() []plan.Pod {
	return slices.DeleteFunc(slices.Clone(c.st.Plan.Pods), func(p plan.Pod) bool { return p.Virtual })
}

// Pod returns the pod with key "namespace/name" if it runs (is not virtual).
func (c *Cluster) Pod(key string) (plan.Pod, bool) {
	p, ok := c.st.Plan.Pod(key)
	return p, ok && !p.Virtual
}

// ManifestsDir is the directory of materialised manifests the agents read.
func (c *Cluster) ManifestsDir() string { return c.st.Layout().Manifests() }

// Flows returns the flow records all agents logged, oldest first.
func (c *Cluster) Flows(ctx context.Context) ([]flow.Record, error) {
	var all []flow.Record
	for _, n := range c.st.Plan.Nodes {
		a := c.agent(n.Name)
		r := inspect.FlowReader{Path: inspect.Node{BPFFSRoot: a.Bpffs, StateDir: a.StateDir}.FlowLog()}
		err := r.Read(ctx, func(rec *flow.Record) error {
			all = append(all, *rec)
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read flows of %s: %w", n.Name, err)
		}
	}
	slices.SortStableFunc(all, func(a, b flow.Record) int { return a.Time.Compare(b.Time) })
	return all, nil
}

// locked runs fn holding the cluster's lock, on its state as saved.
func (c *Cluster) locked(fn func() error) error {
	release, err := state.Lock(c.Name())
	if err != nil {
		return err
	}
	defer release()
	st, err := state.Load(c.Name())
	if err != nil {
		return err
	}
	c.st = st
	return fn()
}

// load reads a manifests directory; any document that does not decode is
// an error.
func load(dir string) (*manifest.Set, error) {
	if dir == "" {
		return nil, errors.New("load manifests: no directory given")
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load manifests %s: %w", dir, err)
	}
	return set, nil
}
