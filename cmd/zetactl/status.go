package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

// healthTimeout bounds the question to the agent's health socket.
const healthTimeout = 3 * time.Second

func statusCmd(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the agent's health and the datapath's state",
		Long: long(`Show the agent's health (from its health socket; "agent not running" when
the socket is missing or refuses), the kernel release, the programs attached
to each interface (from the pinned TCX links), each pinned map's fill against
its limit, and the flow events the kernel lost or rate-limited.

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
			st := o.node.Status(ctx)
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
