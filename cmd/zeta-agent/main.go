// Command zeta-agent is Zeta's node agent.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent"
	"github.com/zeta-net/zeta/agent/datapath"
	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/exporters"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "zeta-agent:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "zeta-agent",
		Short:         "Zeta's node agent: identity-aware L3/L4 enforcement with eBPF",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), uninstallCmd(), &cobra.Command{
		Use:   "version",
		Short: "Print the agent's version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), version) },
	})
	return root
}

func runCmd() *cobra.Command {
	cfg := agent.DefaultConfig()
	exp := exporters.DefaultConfig()
	var src sourceConfig
	var logLevel string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Enforce policy on this node",
		Long: `Enforce policy on this node. In standalone mode (--source=dir, the
default) the cluster state is a directory of Kubernetes YAML (Namespaces,
Pods, NetworkPolicies, ZeroTrustPolicies), watched for changes. In
Kubernetes mode (--source=kubernetes) it comes from the API server, with
the in-cluster configuration or --kubeconfig; the node name comes from
--node, else $NODE_NAME (the downward API), else the hostname.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			if cfg.Node == "" {
				cfg.Node = nodeName()
			}
			cfg.Version = version
			s, err := src.build(cfg.Node, log)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			set, err := exp.Resolve()
			if err != nil {
				return fmt.Errorf("flow exporters: %w", err)
			}
			exps, err := exporters.New(set, export.Origin{Node: cfg.Node, Version: version}, log)
			if err != nil {
				return fmt.Errorf("flow exporters: %w", err)
			}
			a, err := agent.New(cfg, log)
			if err != nil {
				return err
			}
			for _, e := range exps {
				a.AddExporter(e)
			}
			log.Info("agent starting", "version", version, "node", cfg.Node, "source", s)
			err = a.Run(ctx, s)
			log.Info("agent stopped; pinned enforcement stays in place")
			return err
		},
	}
	cfg.Flags(cmd.Flags())
	exp.Flags(cmd.Flags())
	src.flags(cmd.Flags())
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}

func uninstallCmd() *cobra.Command {
	root := agent.DefaultConfig().BPFFSRoot
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Detach every program, remove every pinned map and link and the proxy's policy route",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return errors.Join(datapath.Uninstall(root), datapath.RemoveProxyRoute())
		},
	}
	cmd.Flags().StringVar(&root, "bpffs-root", root, "bpffs directory where maps and links are pinned")
	return cmd
}

func nodeName() string {
	if n := os.Getenv("NODE_NAME"); n != "" {
		return n
	}
	h, _ := os.Hostname()
	return h
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: %w", level, err)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
