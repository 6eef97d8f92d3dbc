package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/zeta-net/zeta/tests/lab/agents"
	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/proc"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// stopGrace is how long a process has between SIGTERM and SIGKILL.
const stopGrace = 10 * time.Second

// Down removes the cluster: it stops its processes, uninstalls the agents'
// bpffs state, deletes its namespaces and its state directory. It finds
// them in the state file and, as that may be partial or gone after a crash,
// also by scanning. A cluster that does not exist is not an error.
func (c *Cluster) Down(ctx context.Context) error { return Down(ctx, c.Name(), c.log) }

// Down removes the cluster called name; see (*Cluster).Down.
func Down(ctx context.Context, name string, log *slog.Logger) error {
	if err := plan.ValidateName(name); err != nil {
		return err
	}
	log = logger(log)
	if release, err := state.Lock(name); err == nil {
		defer release()
	}
	st, err := state.Load(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("state unreadable, scanning instead", "cluster", name, "err", err)
		}
		st = &state.State{Name: name}
	}
	netns, err := labns.List(plan.NetnsPrefix(name))
	errs := []error{err}
	netns = union(netns, st.Netns)

	errs = append(errs, stopProcesses(ctx, st, netns))
	errs = append(errs, uninstallAgents(ctx, st, log))
	for _, ns := range netns {
		errs = append(errs, labns.Delete(ns))
	}
	if err := os.RemoveAll(st.Layout().Dir()); err != nil {
		errs = append(errs, fmt.Errorf("remove state: %w", err))
	}
	state.RemoveRoots()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("down cluster %s: %w", name, err)
	}
	log.Info("cluster down", "cluster", name, "netns", len(netns))
	return nil
}

// stopProcesses stops the recorded processes, those running the cluster's
// servers and those inside its namespaces.
func stopProcesses(ctx context.Context, st *state.State, netns []string) error {
	ids := map[proc.Identity]bool{st.Serve: true}
	for _, id := range st.AgentProc {
		ids[id] = true
	}
	servers, err := proc.WithEnv(serveEnv, st.Name)
	paths := make([]string, len(netns))
	for i, ns := range netns {
		paths[i] = labns.Path(ns)
	}
	inside, ierr := proc.InNetns(paths)
	for _, id := range slices.Concat(servers, inside) {
		ids[id] = true
	}
	return errors.Join(err, ierr, proc.Stop(ctx, slices.Collect(maps.Keys(ids)), stopGrace))
}

// uninstallAgents removes what the agents left in bpffs: with `zeta-agent
// uninstall` where the binary is known, then by removing the directory.
func uninstallAgents(ctx context.Context, st *state.State, log *slog.Logger) error {
	lay := st.Layout()
	entries, err := os.ReadDir(lay.Bpffs())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("uninstall agents: %w", err)
	}
	if st.AgentBin == "" { // no state: try the binary up would have found
		st.AgentBin, _ = agents.FindBin("")
	}
	var errs []error
	for _, e := range entries {
		a := agentOf(st, e.Name())
		if a.Bin == "" {
			log.Warn("no agent binary, removing bpffs directory only", "dir", a.Bpffs)
			continue
		}
		errs = append(errs, a.Uninstall(ctx))
	}
	if err := os.RemoveAll(lay.Bpffs()); err != nil {
		errs = append(errs, fmt.Errorf("uninstall agents: %w", err))
	}
	return errors.Join(errs...)
}

// union returns the distinct names of a and b, sorted.
func union(a, b []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(slices.Concat(a, b))))
}
