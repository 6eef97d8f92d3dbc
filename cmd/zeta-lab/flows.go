package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/tests/lab"
)

func flowsCmd(log *slog.Logger) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "flows",
		Short: "Print the flow records the agents wrote, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := lab.Open(name, log)
			if err != nil {
				return err
			}
			records, err := c.Flows(cmd.Context())
			if err != nil {
				return err
			}
			for i := range records {
				fmt.Fprintln(cmd.OutOrStdout(), inspect.FlowLine(&records[i]))
			}
			return nil
		},
	}
	nameFlag(cmd.Flags(), &name)
	return cmd
}
