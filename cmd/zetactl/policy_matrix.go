package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/policy/offline"
)

func policyMatrixCmd() *cobra.Command {
	var o offlineOptions
	cmd := &cobra.Command{
		Use:   "matrix -f DIR [--protocol TCP|UDP|SCTP] [--port PORT] [--ipv6]",
		Short: "Judge every ordered pair of pods of a manifest directory, offline",
		Long: long(`Judge, without a cluster, which pods of a manifest directory reach which
on one port: the answer zeta-lab's matrix gives for the same directory.

The pods are placed as zeta-lab places them (pods without spec.nodeName
spread over the nodes, pods without status.podIP get addresses from their
node's pod CIDR), every node's maps are computed as its agent computes them,
and each connection's first packet is run through the real datapath
programs (BPF_PROG_TEST_RUN) of the source's node at its egress and of the
destination's node at its ingress; both must let it through. A pod reaches
itself. This needs root; otherwise, or with --evaluator go, the same
compiled entries are judged in Go and the output says so.

Offline there are no servers: a cell says whether policy lets the
connection through, whether or not the destination listens on the port.

The JSON output has zeta-lab matrix's fields, in its pod order, and
"evaluator": "bpf" or "go".`),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			proto, err := o.validate()
			if err != nil {
				return err
			}
			m, err := o.model(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ev, release, err := o.evaluatorOf(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer release()
			mx, err := offline.ComputeMatrix(ev, m, proto, o.port, o.ipv6)
			if err != nil {
				return err
			}
			if o.output == "table" {
				return mx.WriteTable(cmd.OutOrStdout())
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(mx)
		},
	}
	o.flags(cmd)
	return cmd
}
