package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/tests/lab"
)

func execCmd(log *slog.Logger) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "exec NAMESPACE/POD -- COMMAND [ARG...]",
		Short: "Run a command inside a pod's network namespace",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := lab.Open(name, log)
			if err != nil {
				return err
			}
			run, err := c.Exec(cmd.Context(), args[0], args[1], args[2:]...)
			if err != nil {
				return err
			}
			run.Stdin, run.Stdout, run.Stderr = os.Stdin, os.Stdout, os.Stderr
			return run.Run()
		},
	}
	cmd.Flags().SetInterspersed(false)
	nameFlag(cmd.Flags(), &name)
	return cmd
}
