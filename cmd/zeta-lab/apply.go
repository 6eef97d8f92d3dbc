package main

import (
	"errors"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/tests/lab"
)

func applyCmd(log *slog.Logger) *cobra.Command {
	var name, dir string
	cmd := &cobra.Command{
		Use:   "apply -f DIR",
		Short: "Change a running cluster to a changed directory of Kubernetes YAML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("apply: -f DIR is required")
			}
			c, err := lab.Open(name, log)
			if err != nil {
				return err
			}
			if err := c.Apply(cmd.Context(), dir); err != nil {
				return err
			}
			return printPods(cmd.OutOrStdout(), c)
		},
	}
	nameFlag(cmd.Flags(), &name)
	cmd.Flags().StringVarP(&dir, "file", "f", "", "directory of Kubernetes YAML")
	return cmd
}
