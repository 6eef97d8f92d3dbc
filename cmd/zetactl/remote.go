package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/apiclient"
)

// remote is an agent's API on TCP behind mutual TLS (the agent's
// --api-address), asked instead of this node's socket and pins.
type remote struct {
	address string
	tls     apiclient.TLSConfig
}

func (r *remote) flags(fs *pflag.FlagSet) {
	fs.StringVar(&r.address, "api-address", "", "ask the agent's API on this TCP host:port with mutual TLS instead of this node's socket and pins")
	fs.StringVar(&r.tls.Cert, "api-tls-cert", "", "client X.509-SVID (PEM) for --api-address")
	fs.StringVar(&r.tls.Key, "api-tls-key", "", "private key (PEM) of --api-tls-cert")
	fs.StringVar(&r.tls.CA, "api-tls-ca", "", "CA certificates (PEM) the agent's SVID must chain to")
	fs.StringVar(&r.tls.AgentID, "api-spiffe-id", "", "SPIFFE ID the agent must present (default: any in the client's trust domain)")
}

// check rejects TLS flags without an address, and an address without
// what mutual TLS needs.
func (r *remote) check(*cobra.Command, []string) error {
	t := r.tls
	switch {
	case r.address == "" && (t.Cert != "" || t.Key != "" || t.CA != "" || t.AgentID != ""):
		return usagef("--api-tls-* and --api-spiffe-id need --api-address")
	case r.address != "" && (t.Cert == "" || t.Key == "" || t.CA == ""):
		return usagef("--api-address needs --api-tls-cert, --api-tls-key and --api-tls-ca: the agent's TCP API takes mutual TLS only")
	}
	return nil
}

// remoteNote explains --api-address in the root command's help.
const remoteNote = `With --api-address, zetactl asks that agent over TCP with mutual TLS
instead, presenting the X.509-SVID in --api-tls-cert; it does not fall back
to this node's pins, and commands that only read pins (ipcache list) refuse.`
