package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
)

func flowsCmd(o *options) *cobra.Command {
	var (
		r                       inspect.FlowReader
		verdict, namespace, pod string
	)
	cmd := &cobra.Command{
		Use:   "flows",
		Short: "Show the flows the agent logged",
		Long: long(`Show the flow records the agent appended to its flow log (flows.jsonl in the
state directory), one line each:

  TIME NODE SRC -> DST PROTO VERDICT [reason=REASON] [policy="POLICY"]

where each end is namespace/pod when the agent knew it, else its address,
followed by its port. -o json prints the records as JSON lines, -o yaml as
YAML documents. --follow keeps printing new records until interrupted.`),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := o.printer(cmd)
			if err != nil {
				return err
			}
			if r.Last < 0 {
				return usagef("--last must not be negative")
			}
			if r.Filter, err = inspect.NewFlowFilter(verdict, namespace, pod); err != nil {
				return usageError{err}
			}
			r.Path = o.node.FlowLog()
			err = r.Read(cmd.Context(), func(rec *flow.Record) error { return p.Stream(rec, inspect.FlowLine(rec)) })
			if n := r.Skipped(); n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "zetactl: skipped %d line(s) of %s that are not flow records\n", n, r.Path)
			}
			return err
		},
	}
	o.addOutput(cmd)
	cmd.Flags().IntVar(&r.Last, "last", 0, "only the last N matching records the log holds (0: all)")
	cmd.Flags().BoolVarP(&r.Follow, "follow", "f", false, "keep printing records as the agent appends them")
	cmd.Flags().StringVar(&verdict, "verdict", "", "only this verdict: ALLOWED, DENIED or AUDIT")
	cmd.Flags().StringVar(&namespace, "namespace", "", "only flows with an end in this namespace")
	cmd.Flags().StringVar(&pod, "pod", "", "only flows with this pod (namespace/name) at an end")
	_ = cmd.RegisterFlagCompletionFunc("verdict", cobra.FixedCompletions(inspect.FlowVerdicts, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
