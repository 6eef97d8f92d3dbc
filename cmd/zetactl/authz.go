package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/l7/jwks"
	l7offline "github.com/zeta-net/zeta/agent/l7/offline"
)

func authzCmd() *cobra.Command {
	return group("authz", "L7 authorization: judging HTTP requests offline", authzCheckCmd())
}

func authzCheckCmd() *cobra.Command {
	var (
		o                            offlineOptions
		from, to, method, path, host string
		headers                      []string
	)
	cmd := &cobra.Command{
		Use:   "check -f DIR --from NAMESPACE/POD --to NAMESPACE/POD --port PORT [--method GET] [--path /p] [--header 'Name: value']... [-o json]",
		Short: "Judge, offline, one HTTP request between two pods",
		Long: long(`Judge one HTTP request of a manifest directory with the code the L7 proxy
runs. The connection is judged first, as 'policy explain' judges it: if a
hook drops it the answer is status 403, reason l4-denied (no request is
ever sent); if the destination does not redirect it to the L7 proxy, every
request reaches the workload (200, no-l7-rules). Otherwise the request is
judged by the HTTP rules and JWT requirements that apply to the source on
that port and the answer is the proxy's: 200 (the request reaches the
workload), 401 (missing or invalid token) or 403, with the reason and the
rule that decided. In audit mode (--audit-mode, or the destination's
namespace annotated zeta.io/audit-mode) a request that would be denied
reaches the workload: 200, with "audit": true. Tokens in --header are
verified against the providers' key sets; a jwksUri set is fetched.`),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			proto, err := o.validate()
			if err != nil {
				return err
			}
			if proto != corev1.ProtocolTCP {
				return usagef("--protocol %s: HTTP is TCP", proto)
			}
			for _, p := range []struct{ flag, v string }{{"--from", from}, {"--to", to}} {
				if ns, name, ok := strings.Cut(p.v, "/"); !ok || ns == "" || name == "" {
					return usagef("%s %q: want NAMESPACE/POD", p.flag, p.v)
				}
			}
			if !strings.HasPrefix(path, "/") {
				return usagef("--path %q: want an absolute path", path)
			}
			h := http.Header{}
			for _, hv := range headers {
				name, value, ok := strings.Cut(hv, ":")
				if !ok || strings.TrimSpace(name) == "" {
					return usagef("--header %q: want 'Name: value'", hv)
				}
				h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			}
			if host == "" {
				host = h.Get("Host")
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
			q := l7offline.Query{From: from, To: to, Port: uint16(o.port), IPv6: o.ipv6, Method: method, Host: host, Path: path, Header: h}
			r, err := l7offline.Check(cmd.Context(), ev, m, o.cfg, &jwks.Pool{}, q)
			if err != nil {
				return err
			}
			if o.output == "table" {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "STATUS\tREASON\tRULE\n%d\t%s\t%s\n", r.Status, r.Reason, r.Rule)
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(r)
		},
	}
	o.flags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&from, "from", "", "source pod, NAMESPACE/POD (required)")
	fs.StringVar(&to, "to", "", "destination pod, NAMESPACE/POD (required)")
	fs.StringVar(&method, "method", http.MethodGet, "request method")
	fs.StringVar(&path, "path", "/", "request path, without query")
	fs.StringVar(&host, "host", "", "Host of the request (default: the Host --header, else none)")
	fs.StringArrayVar(&headers, "header", nil, "request header 'Name: value', repeatable")
	return cmd
}
