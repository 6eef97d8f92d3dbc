package lab

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/zeta-net/zeta/tests/lab/proc"
	"github.com/zeta-net/zeta/tests/lab/serve"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// serveEnv names, in the environment of the server process, its cluster.
const serveEnv = "ZETA_LAB_SERVE"

// serveStartTimeout bounds the wait for the server process's control socket.
const serveStartTimeout = 10 * time.Second

// init turns any process that links this package into a cluster's server
// process when its environment holds ZETA_LAB_SERVE=NAME: that is how the
// lab starts it from zeta-lab or from a test binary alike.
func init() {
	if name, ok := os.LookupEnv(serveEnv); ok {
		os.Exit(serveMain(name))
	}
}

func serveMain(name string) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("cluster", name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serve.Run(ctx, state.Layout{Name: name}.ServeSocket(), log); err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// startServe starts the server process and waits for its control socket.
func (c *Cluster) startServe(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("start servers: %w", err)
	}
	lay := c.st.Layout()
	cmd := &exec.Cmd{
		Path: exe,
		Args: []string{"zeta-lab-serve", c.Name()},
		Env:  append(os.Environ(), serveEnv+"="+c.Name()),
	}
	if c.st.Serve, err = proc.Start(cmd, lay.ServeLog()); err != nil {
		return fmt.Errorf("start servers: %w", err)
	}
	if err := c.st.Save(); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, serveStartTimeout)
	defer cancel()
	err = proc.WaitFor(wctx, c.st.Serve, func(ctx context.Context) error { return serve.Ping(ctx, lay.ServeSocket()) })
	if err != nil {
		return proc.WithLogTail(fmt.Errorf("start servers: %w", err), lay.ServeLog())
	}
	return nil
}

// configureServe tells the server process the pods of the plan that are
// not virtual.
func (c *Cluster) configureServe(ctx context.Context) error {
	pods := make([]serve.Pod, 0, len(c.st.Plan.Pods))
	for _, p := range c.Pods() {
		pods = append(pods, serve.Pod{Key: p.Key(), Netns: p.Netns, Ports: p.Ports})
	}
	return serve.Configure(ctx, c.st.Layout().ServeSocket(), pods)
}
