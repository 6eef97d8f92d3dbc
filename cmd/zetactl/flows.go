package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/apiclient"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
)

func flowsCmd(o *options) *cobra.Command {
	var (
		f      flow.Filter
		since  string
		last   int
		follow bool
	)
	cmd := &cobra.Command{
		Use:     "flows",
		Aliases: []string{"observe"},
		Short:   "Show the flows the agent sees",
		Long: long(`Show flow records, one line each:

  TIME NODE HOOK SRC -> DST PROTO[FLAGS] VERDICT [reason=REASON] [policy="POLICY"]

where each end is namespace/pod when the agent knew it, else its address,
followed by its port. -o json prints the records as JSON lines (the schema
of docs/flows.md), -o yaml as YAML documents.

When the agent runs, zetactl streams from its API: the records it keeps in
memory (--flow-buffer of them), then with --follow new ones as they come. If
zetactl reads too slowly the agent drops the oldest records of its queue and
zetactl says how many on stderr, as it does for events the kernel lost. When
nothing listens on the agent's socket, zetactl reads the flow log
(flows.jsonl in the state directory) instead, and --follow tails it.

Filters combine: --from-pod and --to-pod match the source and the
destination, --pod, --namespace, --identity and --port either end. --since
takes a duration (5m: the last five minutes) or an RFC 3339 time; --last
keeps the newest N matching records from memory or the log.`),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := o.printer(cmd)
			if err != nil {
				return err
			}
			if last < 0 {
				return usagef("--last must not be negative")
			}
			if since != "" {
				if f.Since, err = parseSince(since, time.Now()); err != nil {
					return usageError{err}
				}
			}
			if err := f.Normalize(); err != nil {
				return usageError{err}
			}
			emit := func(rec *flow.Record) error { return p.Stream(rec, inspect.FlowLine(rec)) }
			return o.withAgent(cmd.Context(),
				func(c *apiclient.Client) error {
					lost := func(l apiclient.Lost) {
						fmt.Fprintf(cmd.ErrOrStderr(), "zetactl: %d flow record(s) lost (%s)\n", l.Count, l.Source)
					}
					err := c.Flows(cmd.Context(), apiclient.Observe{Filter: f, Last: uint32(last), Follow: follow}, emit, lost)
					if errors.Is(err, context.Canceled) {
						return nil // interrupted, as a follow ends
					}
					return err
				},
				func() error {
					r := inspect.FlowReader{Path: o.node.FlowLog(), Filter: f, Last: last, Follow: follow}
					err := r.Read(cmd.Context(), emit)
					if n := r.Skipped(); n > 0 {
						fmt.Fprintf(cmd.ErrOrStderr(), "zetactl: skipped %d line(s) of %s that are not flow records\n", n, r.Path)
					}
					return err
				})
		},
	}
	o.addOutput(cmd)
	fs := cmd.Flags()
	fs.IntVar(&last, "last", 0, "only the newest N matching records from the agent's memory or the log (0: all)")
	fs.BoolVarP(&follow, "follow", "f", false, "keep printing records as they come")
	fs.StringVar(&f.Verdict, "verdict", "", "only this verdict: ALLOWED, DENIED, AUDIT or REDIRECTED")
	fs.StringVar(&f.Namespace, "namespace", "", "only flows with an end in this namespace")
	fs.StringVar(&f.Pod, "pod", "", "only flows with this pod (namespace/name) at an end")
	fs.StringVar(&f.FromPod, "from-pod", "", "only flows from this pod (namespace/name)")
	fs.StringVar(&f.ToPod, "to-pod", "", "only flows to this pod (namespace/name)")
	fs.Uint32Var(&f.Identity, "identity", 0, "only flows with this security identity at an end")
	fs.StringVar(&f.Protocol, "protocol", "", "only this protocol: TCP, UDP, SCTP, ICMP, ICMPv6 or a number")
	fs.Uint16Var(&f.Port, "port", 0, "only flows with this source or destination port")
	fs.StringVar(&since, "since", "", "only records since this long ago (5m) or this RFC 3339 time")
	_ = cmd.RegisterFlagCompletionFunc("verdict", cobra.FixedCompletions(inspect.FlowVerdicts, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]cobra.Completion{"TCP", "UDP", "SCTP", "ICMP", "ICMPv6"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// parseSince reads --since: a duration before now, or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("bad --since %q: a duration must not be negative", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad --since %s: want a duration (5m) or an RFC 3339 time", strconv.Quote(s))
}
