package proxy

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/l7/authz"
	"github.com/zeta-net/zeta/agent/l7/internal/jwttest"
	"github.com/zeta-net/zeta/agent/l7/jwt"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/l7"
	"github.com/zeta-net/zeta/policy/secid"
)

// BenchmarkProxy is authorized requests per second through the proxy, one
// client connection, small responses: "no-l7-rules" with a policy whose
// only rule allows every request, "jwt-es256" with a POST that needs an
// ES256 token with a scope, verified once and then served from the
// verified-token cache as in the agent. It reports req/s and the p99
// latency of a request, proxy and workload included.
func BenchmarkProxy(b *testing.B) {
	is := jwttest.NewES256(b, "https://idp", "k1")
	tok := is.Token(b, map[string]any{"sub": "alice", "scope": "orders:write", "exp": time.Now().Add(24 * time.Hour).Unix()})
	plain := &l7.Policy{Enforced: true, Rules: []l7.Rule{{Name: "all", Verdict: policy.Allow, Peers: []secid.ID{secid.Any}}}}
	for _, bc := range []struct {
		name   string
		policy *l7.Policy
		method string
		path   string
		token  string
	}{
		{"no-l7-rules", plain, "POST", "/orders", ""},
		{"jwt-es256", l7Policy(b, is), "POST", "/orders", tok},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := authz.Compile(bc.policy, authz.Options{Verifier: &jwt.Verifier{Cache: jwt.NewCache(0, 0)}})
			if err != nil {
				b.Fatal(err)
			}
			up := newUpstream(b)
			h := start(b, up.Listener.Addr().String(), e)
			client := h1Client(b)
			req, _ := http.NewRequest(bc.method, "http://"+h.addr+bc.path, nil)
			if bc.token != "" {
				req.Header.Set("Authorization", "Bearer "+bc.token)
			}
			lat := make([]time.Duration, 0, 1<<16)
			start := time.Now()
			for b.Loop() {
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
				lat = append(lat, time.Since(t0))
			}
			b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "req/s")
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
