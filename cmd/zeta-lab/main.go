// Command zeta-lab builds a sandbox Kubernetes cluster on this machine out
// of network namespaces, from a directory of Kubernetes YAML, and tests
// reachability inside it. The work is done by package tests/lab.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/tests/lab/plan"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(log).ExecuteContext(ctx)
	stop()
	if err == nil {
		return
	}
	if exit, ok := errors.AsType[*exec.ExitError](err); ok {
		os.Exit(exitCode(exit))
	}
	fmt.Fprintln(os.Stderr, "zeta-lab:", err)
	os.Exit(1)
}

func newRoot(log *slog.Logger) *cobra.Command {
	root := &cobra.Command{
		Use:           "zeta-lab",
		Short:         "Build a sandbox Kubernetes cluster out of network namespaces",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(upCmd(log), applyCmd(log), downCmd(log), matrixCmd(log), execCmd(log), flowsCmd(log), restartAgentCmd(log))
	return root
}

func nameFlag(fs *pflag.FlagSet, name *string) {
	fs.StringVar(name, "name", plan.DefaultName, "cluster name")
}

// exitCode is the shell's view of how a command ended.
func exitCode(exit *exec.ExitError) int {
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return exit.ExitCode()
}
