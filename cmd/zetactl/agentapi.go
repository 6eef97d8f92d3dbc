package main

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/apiclient"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/agent/statedir"
)

// agentTimeout bounds one question to the agent's API; streams have none.
const agentTimeout = 10 * time.Second

// socket is the agent's API socket.
func (o *options) socket() string { return filepath.Join(o.node.StateDir, statedir.APISocket) }

// withAgent calls the agent's API when the agent runs, and falls back to
// offline (the pinned maps, the flow log) when nothing listens on its
// socket. Any other failure to connect, such as a socket only root may
// use, is an error: the pins would refuse the same caller.
// With --api-address it asks that agent only.
func (o *options) withAgent(ctx context.Context, call func(*apiclient.Client) error, offline func() error) error {
	if o.remote.address != "" {
		c, err := apiclient.DialTLS(ctx, o.remote.address, o.remote.tls)
		if err != nil {
			return err
		}
		defer c.Close()
		return call(c)
	}
	c, err := apiclient.Dial(ctx, o.socket())
	if errors.Is(err, apiclient.ErrAgentNotRunning) {
		return offline()
	}
	if err != nil {
		return err
	}
	defer c.Close()
	return call(c)
}

// ask reads a result from the agent, or from the pins when it does not
// run.
func (o *options) ask(ctx context.Context, call func(context.Context, *apiclient.Client) (inspect.Tabler, error), offline func() (inspect.Tabler, error)) (inspect.Tabler, error) {
	var v inspect.Tabler
	err := o.withAgent(ctx,
		func(c *apiclient.Client) error {
			ctx, cancel := context.WithTimeout(ctx, agentTimeout)
			defer cancel()
			var err error
			v, err = call(ctx, c)
			return err
		},
		func() error {
			var err error
			v, err = offline()
			return err
		})
	return v, err
}

// agentList is a listing command without flags of its own that asks the
// agent, or reads the pins when it does not run.
func (o *options) agentList(use, short, text string, call func(context.Context, *apiclient.Client) (inspect.Tabler, error), offline func() (inspect.Tabler, error)) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long(text + "\n\n" + agentNote),
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := o.printer(cmd)
			if err != nil {
				return err
			}
			v, err := o.ask(cmd.Context(), call, offline)
			if err != nil {
				return err
			}
			return p.Print(v)
		},
	}
	o.addOutput(cmd)
	return cmd
}

// agentNote explains where a command's answer comes from.
const agentNote = `When the agent runs, zetactl asks it through its API socket (zeta.sock in
the state directory, root's only); when nothing listens there, it reads the
pinned maps and the agent's files itself.`
