package main

import (
	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent"
	"github.com/zeta-net/zeta/agent/inspect"
)

const exitCodesHelp = `Exit status:
  0  success
  1  error: the state could not be read (for instance the agent's API socket,
     root's only, refused the caller: "permission denied"), or what was asked
     for does not exist ("unknown endpoint"). An agent that is not running is
     not an error: zetactl reads the pins and the agent's files instead.
  2  usage error: unknown command, flag, flag value or argument`

// long appends the exit codes to a command's description.
func long(text string) string { return text + "\n\n" + exitCodesHelp }

// options are the global flags and the output format.
type options struct {
	node   inspect.Node
	remote remote
	output string
}

func newRoot() *cobra.Command {
	def := agent.DefaultConfig()
	o := &options{node: inspect.Node{BPFFSRoot: def.BPFFSRoot, StateDir: def.StateDir}}
	root := &cobra.Command{
		Use:   "zetactl",
		Short: "Inspect Zeta on this node",
		Long: long(`Inspect Zeta on this node: endpoints, identities, the IP cache, policy,
conntrack, counters and flows. When the agent runs, zetactl asks it through
its API socket (zeta.sock under --state-dir); otherwise it reads the maps and
links the datapath pinned under --bpffs-root and the agent's files under
--state-dir itself, so it works whether or not the agent is running. It
never changes them.

` + remoteNote),
		Args:              usageArgs(cobra.NoArgs),
		RunE:              help,
		PersistentPreRunE: o.remote.check,
		SilenceUsage:      true,
		SilenceErrors:     true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringVar(&o.node.BPFFSRoot, "bpffs-root", o.node.BPFFSRoot, "bpffs directory where the agent pins maps and links")
	root.PersistentFlags().StringVar(&o.node.StateDir, "state-dir", o.node.StateDir, "the agent's state directory (identities, flow log, health socket)")
	o.remote.flags(root.PersistentFlags())
	root.AddCommand(
		statusCmd(o),
		group("endpoint", "Local endpoints", endpointListCmd(o)),
		group("identity", "Security identities", identityListCmd(o)),
		group("ipcache", "The IP cache: prefixes and their identities", ipcacheListCmd(o)),
		group("policy", "Endpoints' policy entries; judging manifests offline", policyGetCmd(o), policyMatrixCmd(), policyExplainCmd()),
		group("ct", "Connection tracking", ctListCmd(o)),
		metricsCmd(o),
		flowsCmd(o),
		authzCmd(),
	)
	return root
}

// group is a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Long: long(short + "."), Args: usageArgs(cobra.NoArgs), RunE: help}
	c.AddCommand(subs...)
	return c
}

func help(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// usageArgs makes an argument check's errors usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// addOutput registers -o on a listing command.
func (o *options) addOutput(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.output, "output", "o", string(inspect.FormatTable), "output format: table, json or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(inspect.Formats, cobra.ShellCompDirectiveNoFileComp))
}

// printer returns the printer -o asks for.
func (o *options) printer(cmd *cobra.Command) (*inspect.Printer, error) {
	f, err := inspect.ParseFormat(o.output)
	if err != nil {
		return nil, usageError{err}
	}
	return inspect.NewPrinter(cmd.OutOrStdout(), f), nil
}

// list is a listing command without flags of its own: read, then print.
func (o *options) list(use, short, text string, read func() (inspect.Tabler, error)) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long(text),
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.remote.address != "" {
				return usagef("%s reads this node's pins only; it cannot ask an agent over --api-address", cmd.CommandPath())
			}
			p, err := o.printer(cmd)
			if err != nil {
				return err
			}
			v, err := read()
			if err != nil {
				return err
			}
			return p.Print(v)
		},
	}
	o.addOutput(cmd)
	return cmd
}
