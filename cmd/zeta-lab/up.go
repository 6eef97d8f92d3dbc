package main

import (
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/tests/lab"
)

func upCmd(log *slog.Logger) *cobra.Command {
	cfg := lab.Config{Logger: log}
	cmd := &cobra.Command{
		Use:   "up -f DIR",
		Short: "Build a cluster from a directory of Kubernetes YAML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := lab.Up(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return printPods(cmd.OutOrStdout(), c)
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}

func printPods(w io.Writer, c *lab.Cluster) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POD\tNODE\tIPV4\tIPV6\tNETNS")
	for _, p := range c.Pods() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Key(), p.Node, p.IPv4, p.IPv6, p.Netns)
	}
	return tw.Flush()
}
