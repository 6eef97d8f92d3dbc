package main

import (
	"encoding/json"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/policy/offline"
)

func policyExplainCmd() *cobra.Command {
	var (
		o        offlineOptions
		from, to string
	)
	cmd := &cobra.Command{
		Use:   "explain -f DIR --from NAMESPACE/POD --to NAMESPACE/POD [--protocol TCP|UDP|SCTP] [--port PORT] [--ipv6]",
		Short: "Explain, offline, why one pod reaches another or not",
		Long: long(`Judge one connection of a manifest directory, as 'policy matrix' does, and
explain each hook's verdict: at the source's egress and at the
destination's ingress, whether the direction is enforced and by what
(the policies that select the pod for it, --default-deny), the peer's
identity, the compiled entries that match the connection with the rules
behind them, and why the verdict follows: not enforced, an allow rule, a
deny rule, or default deny. When the datapath programs judge, the Go
evaluator judges too, and any disagreement is shown: it is a bug.`),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			proto, err := o.validate()
			if err != nil {
				return err
			}
			for _, p := range []struct{ flag, v string }{{"--from", from}, {"--to", to}} {
				if ns, name, ok := strings.Cut(p.v, "/"); !ok || ns == "" || name == "" {
					return usagef("%s %q: want NAMESPACE/POD", p.flag, p.v)
				}
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
			x, err := offline.Explain(ev, m, from, to, proto, o.port, o.ipv6)
			if err != nil {
				return err
			}
			if o.output == "table" {
				return x.WriteTable(cmd.OutOrStdout())
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(x)
		},
	}
	o.flags(cmd)
	cmd.Flags().StringVar(&from, "from", "", "source pod, NAMESPACE/POD (required)")
	cmd.Flags().StringVar(&to, "to", "", "destination pod, NAMESPACE/POD (required)")
	return cmd
}
