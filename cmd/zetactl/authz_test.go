package main

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"maps"
	"os"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// authzDir is an examples/policies-like shop whose JWT provider's inline
// key set holds the public half of testdata/authz-issuer.key.
const authzDir = "testdata/authz"

// shopToken signs claims with the test issuer's key (issuer, audience
// and an expiry in 2100 unless claims override them).
func shopToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, err := os.ReadFile("testdata/authz-issuer.key")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]any{"iss": "https://id.shop.example.com/", "aud": "api.shop.example.com", "sub": "alice", "exp": 4102444800}
	maps.Copy(c, claims)
	payload, _ := json.Marshal(c)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.(crypto.Signer)}, (&jose.SignerOptions{}).WithHeader("kid", "shop-2026"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAuthzCheck(t *testing.T) {
	bearer := func(claims map[string]any) string { return "Authorization: Bearer " + shopToken(t, claims) }
	const (
		web     = `"rule":"ZeroTrustPolicy shop/api-http ingress[0] web"`
		metrics = `"rule":"ZeroTrustPolicy shop/api-http ingress[1] metrics"`
		noOther = `"rule":"ZeroTrustPolicy shop/api-http ingress[2] no-other"`
	)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"http rule without token", []string{"--path", "/catalogue/shoes"}, `{"status":200,"reason":"allowed",` + web + `}`},
		{"glob", []string{"--method", "HEAD", "--path", "/api/v1/products/42/reviews"}, `{"status":200,"reason":"allowed",` + web + `}`},
		{"no rule matches", []string{"--path", "/api/v1/orders"}, `{"status":403,"reason":"no-match","rule":""}`},
		{"token missing", []string{"--method", "POST", "--path", "/api/v1/orders"}, `{"status":401,"reason":"token-missing",` + web + `}`},
		{"token with the scope", []string{"--method", "POST", "--path", "/api/v1/orders", "--header", bearer(map[string]any{"scope": "orders:read orders:write"})},
			`{"status":200,"reason":"allowed",` + web + `}`},
		{"token without the scope", []string{"--method", "POST", "--path", "/api/v1/orders", "--header", bearer(map[string]any{"scope": "orders:read"})},
			`{"status":403,"reason":"insufficient-scope",` + web + `}`},
		{"expired token with the scope", []string{"--method", "POST", "--path", "/api/v1/orders", "--header", bearer(map[string]any{"scope": "orders:write", "exp": 1600000000})},
			`{"status":401,"reason":"token-expired",` + web + `}`},
		{"wrong audience", []string{"--method", "POST", "--path", "/api/v1/orders", "--header", bearer(map[string]any{"scope": "orders:write", "aud": "other"})},
			`{"status":401,"reason":"token-audience",` + web + `}`},
		{"claim and host", []string{"--path", "/admin/users", "--header", "Host: admin.shop.example.com", "--header", bearer(map[string]any{"role": "operator"})},
			`{"status":200,"reason":"allowed",` + web + `}`},
		{"claim missing", []string{"--path", "/admin/users", "--host", "admin.shop.example.com", "--header", bearer(map[string]any{"role": "dev"})},
			`{"status":403,"reason":"missing-claim",` + web + `}`},
		{"wrong host", []string{"--path", "/admin/users", "--host", "shop.example.com", "--header", bearer(map[string]any{"role": "operator"})},
			`{"status":403,"reason":"no-match","rule":""}`},
		{"port without http rules", []string{"--port", "9090"}, `{"status":200,"reason":"no-l7-rules",` + metrics + `}`},
		{"denied at L4", []string{"--from", "frontend/other"}, `{"status":403,"reason":"l4-denied",` + noOther + `}`},
		{"default deny at L4", []string{"--from", "audited/api"}, `{"status":403,"reason":"l4-denied","rule":""}`},
		{"audit mode namespace", []string{"--to", "audited/api", "--method", "POST", "--path", "/api/v1/orders"},
			`{"status":200,"reason":"token-missing","rule":"ZeroTrustPolicy audited/api-http ingress[0] web","audit":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"authz", "check", "-f", authzDir, "--evaluator", "go", "-o", "json", "--from", "frontend/web", "--to", "shop/api", "--port", "8080"}
			code, out, stderr := zetactl(t, append(args, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.TrimSpace(out) != tt.want {
				t.Fatalf("\n got %s\nwant %s", strings.TrimSpace(out), tt.want)
			}
		})
	}
}

func TestAuthzCheckTableAndUsage(t *testing.T) {
	code, out, stderr := zetactl(t, "authz", "check", "-f", authzDir, "--evaluator", "go", "--from", "frontend/web", "--to", "shop/api", "--port", "8080", "--path", "/catalogue")
	if code != exitOK || out != "STATUS\tREASON\tRULE\n200\tallowed\tZeroTrustPolicy shop/api-http ingress[0] web\n" {
		t.Fatalf("exit %d: %q %s", code, out, stderr)
	}
	for _, args := range [][]string{
		{"--from", "web", "--to", "shop/api"},
		{"--from", "frontend/web", "--to", "shop/api", "--protocol", "UDP"},
		{"--from", "frontend/web", "--to", "shop/api", "--path", "catalogue"},
		{"--from", "frontend/web", "--to", "shop/api", "--header", "no colon"},
	} {
		if code, _, _ := zetactl(t, append([]string{"authz", "check", "-f", authzDir}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, _ := zetactl(t, "authz", "check", "-f", authzDir, "--evaluator", "go", "--from", "frontend/web", "--to", "shop/nope"); code != exitError {
		t.Errorf("unknown pod: exit %d", code)
	}
}
