package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/apiclient"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/bpf"
)

func ctListCmd(o *options) *cobra.Command {
	var (
		f        inspect.CTFilter
		protocol string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List conntrack entries",
		Long: long(`List the entries of the pinned conntrack table: the tuple of the packet that
opened each connection, the protocol, the endpoint direction that saw it
open, the verdict, packets and bytes both ways, the TCP flags each side
sent, and the time left before the entry expires ("expired" once past;
the agent removes those periodically).

` + agentNote),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := o.printer(cmd)
			if err != nil {
				return err
			}
			if protocol != "" {
				if f.Protocol, err = bpf.ParseProtocol(protocol); err != nil {
					return usageError{err}
				}
			}
			conns, err := o.ask(cmd.Context(),
				func(ctx context.Context, c *apiclient.Client) (inspect.Tabler, error) { return c.Conntrack(ctx, f) },
				func() (inspect.Tabler, error) {
					now, err := inspect.MonotonicNow()
					if err != nil {
						return nil, err
					}
					return o.node.Conntrack(f, now)
				})
			if err != nil {
				return err
			}
			return p.Print(conns)
		},
	}
	o.addOutput(cmd)
	cmd.Flags().Uint32Var(&f.Endpoint, "endpoint", 0, "only this endpoint (endpoint ID, or ifindex of a current endpoint)")
	cmd.Flags().StringVar(&protocol, "protocol", "", "only this protocol: TCP, UDP, SCTP, ICMP, ICMPv6 or a number")
	cmd.Flags().Uint16Var(&f.Port, "port", 0, "only connections with this source or destination port")
	_ = cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]cobra.Completion{"TCP", "UDP", "SCTP", "ICMP", "ICMPv6"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
