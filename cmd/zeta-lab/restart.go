package main

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/tests/lab"
)

func restartAgentCmd(log *slog.Logger) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "restart-agent NODE",
		Short: "Stop a node's agent, start it again and wait until it is ready",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := lab.Open(name, log)
			if err != nil {
				return err
			}
			return c.RestartAgent(cmd.Context(), args[0])
		},
	}
	nameFlag(cmd.Flags(), &name)
	return cmd
}
