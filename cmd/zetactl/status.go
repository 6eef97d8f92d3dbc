package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/apiclient"
	"github.com/zeta-net/zeta/agent/inspect"
)

// healthTimeout bounds the question to the agent.
const healthTimeout = 10 * time.Second

func statusCmd(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the agent's health and the datapath's state",
		Long: long(`Show the agent's health, the kernel release, the programs attached to each
interface (from the pinned TCX links), each pinned map's fill against its
limit, and the flow events the kernel lost or rate-limited. When the agent
answers on its API socket it adds its version, where it learns workloads,
and its flow pipeline: the in-memory history, and each exporter's and
subscriber's queue with what it dropped and whether the exporter is healthy.
Otherwise zetactl reads the pins itself and asks the health socket
("agent not running" when that is missing or refuses).

An interface in another network namespace than zetactl's shows by ifindex
only. A part that cannot be read is listed under errors, the rest still
shows, and the exit status is 1; an agent that is not running is a state,
not an error.`),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := o.printer(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), healthTimeout)
			defer cancel()
			var st *inspect.Status
			err = o.withAgent(ctx,
				func(c *apiclient.Client) (err error) {
					st, err = c.Status(ctx)
					return err
				},
				func() error {
					st = o.node.Status(ctx)
					return nil
				})
			if err != nil {
				return err
			}
			if err := p.Print(st); err != nil {
				return err
			}
			if len(st.Errors) > 0 {
				return fmt.Errorf("status incomplete: %d part(s) could not be read, see errors", len(st.Errors))
			}
			return nil
		},
	}
	o.addOutput(cmd)
	return cmd
}
