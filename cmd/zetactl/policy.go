package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

func policyGetCmd(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get ENDPOINT",
		Short: "Show an endpoint's policy entries",
		Long: long(`Show the policy entries of one endpoint, given by endpoint ID or by the
ifindex of its host-side veth, from the pinned policy map: direction, peer
identity with its labels, protocol, port or port range, verdict and the ID
of the rule that produced the entry; and the endpoint's enforcement flags
and, when the agent answers, its pod. An endpoint that is not in the
endpoints map is an error (exit status 1).

` + agentNote),
		Args: usageArgs(cobra.ExactArgs(1)),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			eps, err := o.node.Endpoints()
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			var out []cobra.Completion
			for _, e := range eps {
				out = append(out, cobra.CompletionWithDesc(strconv.FormatUint(uint64(e.ID), 10), fmt.Sprintf("ifindex %d, identity %d", e.Ifindex, e.Identity.ID)))
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := o.printer(cmd)
			if err != nil {
				return err
			}
			ref, err := strconv.ParseUint(args[0], 10, 32)
			if err != nil {
				return usagef("bad endpoint %q: want an endpoint ID or ifindex", args[0])
			}
			pol, err := o.endpointPolicy(cmd.Context(), uint32(ref))
			if err != nil {
				return err
			}
			return p.Print(pol)
		},
	}
	o.addOutput(cmd)
	return cmd
}
