package suite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/tests/bench/load"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// downTimeout bounds the teardown of one cluster.
const downTimeout = time.Minute

// env is one setup's cluster, with its servers running in the server pod.
type env struct {
	setup          Setup
	cluster        *lab.Cluster
	dir            string // the manifests
	client, server plan.Pod
	serverNode     plan.Node
	// rules is what enforces the setup: the server endpoint's policy
	// entries (Agents) or the firewall chain's rules.
	rules   int
	agents  agents
	servers []*process
}

// up builds setup s's cluster called name, loads its firewall, starts the
// servers and checks that the rules apply. If it fails after building
// anything, it tears it down.
func up(ctx context.Context, name string, s Setup, self string, log *slog.Logger) (*env, error) {
	dir, err := os.MkdirTemp("", "zeta-bench-")
	if err != nil {
		return nil, fmt.Errorf("up %s: %w", s.Key, err)
	}
	e := &env{setup: s, dir: dir}
	if err := e.build(ctx, name, self, log); err != nil {
		return nil, fmt.Errorf("up %s: %w", s.Key, errors.Join(err, e.down()))
	}
	return e, nil
}

func (e *env) build(ctx context.Context, name, self string, log *slog.Logger) error {
	if err := writeManifests(e.dir, e.setup); err != nil {
		return err
	}
	c, err := lab.Up(ctx, lab.Config{Name: name, Manifests: e.dir, Nodes: 2, Agents: e.setup.Agents, Logger: log})
	if err != nil {
		return err
	}
	e.cluster = c
	e.client, _ = c.Pod(clientPod)
	e.server, _ = c.Pod(serverPod)
	for _, n := range c.Nodes() {
		if n.Name == serverNode {
			e.serverNode = n
		}
	}
	switch {
	case e.setup.Firewall != NoFirewall:
		e.rules, err = loadFirewall(ctx, e.serverNode.Netns, firewallRules(e.setup, e.server.IPv4, e.client.IPv4))
	case e.setup.Agents:
		e.rules, err = e.policyEntries()
	}
	if err != nil {
		return err
	}
	if want := e.setup.Peers * PeerPorts; e.rules < want {
		return fmt.Errorf("check rules: %d in force, want at least %d", e.rules, want)
	}
	if e.agents, err = agentsOf(name); err != nil {
		return err
	}
	// Parked until measured: idle agents would take CPU time from the
	// other setups' measurements.
	if err := e.agents.signal(syscall.SIGSTOP); err != nil {
		return err
	}
	iperf, err := startProcess(ctx, c, serverPod, "Server listening", "iperf3", "-s", "-p", strconv.Itoa(int(iperfPort)), "--forceflush")
	if err != nil {
		return err
	}
	e.servers = append(e.servers, iperf)
	echo, err := startProcess(ctx, c, serverPod, load.Ready, self, load.ServeArgs(loadPort)...)
	if err != nil {
		return err
	}
	e.servers = append(e.servers, echo)
	return e.checkEnforced()
}

// policyEntries counts the server endpoint's entries in the pinned policy
// map, as `zetactl policy get` shows them.
func (e *env) policyEntries() (int, error) {
	var ifindex int
	err := labns.Do(e.serverNode.Netns, func() error {
		link, err := net.InterfaceByName(e.server.HostVeth)
		if err != nil {
			return err
		}
		ifindex = link.Index
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("find the server's veth: %w", err)
	}
	lay := state.Layout{Name: e.cluster.Name()}
	node := inspect.Node{BPFFSRoot: lay.NodeBpffs(serverNode), StateDir: lay.AgentDir(serverNode)}
	pol, err := node.Policy(uint32(ifindex)) //nolint:gosec // an ifindex is positive and fits
	if err != nil {
		return 0, err
	}
	return len(pol.Entries), nil
}

// checkEnforced connects from the client to a port of the server that no
// rule allows and nothing listens on: without rules the server refuses it
// at once, with rules it is dropped and times out.
func (e *env) checkEnforced() error {
	addr := net.JoinHostPort(e.server.IPv4.String(), strconv.Itoa(int(closedPort)))
	var dialErr error
	err := labns.Do(e.client.Netns, func() error {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
		}
		dialErr = err
		return nil
	})
	if err != nil {
		return err
	}
	var timeout net.Error
	dropped := errors.As(dialErr, &timeout) && timeout.Timeout()
	if want := e.setup.Agents || e.setup.Firewall != NoFirewall; dropped != want {
		got := "connected"
		if dialErr != nil {
			got = dialErr.Error()
		}
		return fmt.Errorf("check rules: connecting to %s: %s; want dropped=%t", addr, got, want)
	}
	return nil
}

// down stops the servers and removes the cluster and the manifests.
func (e *env) down() error {
	errs := []error{e.agents.signal(syscall.SIGCONT)} // parked agents must hear SIGTERM
	for _, p := range e.servers {
		errs = append(errs, p.stop())
	}
	if e.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), downTimeout)
		defer cancel()
		errs = append(errs, e.cluster.Down(ctx))
	}
	errs = append(errs, os.RemoveAll(e.dir))
	return errors.Join(errs...)
}
