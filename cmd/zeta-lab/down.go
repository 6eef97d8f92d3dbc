package main

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/tests/lab"
)

func downCmd(log *slog.Logger) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove a cluster and everything it created, also after a crash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return lab.Down(cmd.Context(), name, log)
		},
	}
	nameFlag(cmd.Flags(), &name)
	return cmd
}
