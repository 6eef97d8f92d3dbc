package jwt

import (
	"net/http"
	"slices"
	"testing"
)

func TestScopesAndClaims(t *testing.T) {
	c, err := parseClaims([]byte(`{"scope":"orders:read  orders:write","scp":["admin","x y"],"role":"operator",
		"groups":["dev","ops"],"level":42,"ok":true,"obj":{"a":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		req     []string
		missing []string
	}{
		{[]string{"orders:read", "admin", "y"}, nil},
		{[]string{"orders"}, []string{"orders"}}, // whole tokens only
		{[]string{"orders:read:all"}, []string{"orders:read:all"}},
		{[]string{"x y"}, []string{"x y"}},
	} {
		if got := c.MissingScopes(tt.req); !slices.Equal(got, tt.missing) {
			t.Errorf("MissingScopes(%q) = %q, want %q", tt.req, got, tt.missing)
		}
	}
	for _, tt := range []struct {
		req     map[string]string
		missing []string
	}{
		{map[string]string{"role": "operator", "groups": "ops", "level": "42", "ok": "true"}, nil},
		{map[string]string{"role": "Operator"}, []string{"role"}},
		{map[string]string{"groups": "dev,ops"}, []string{"groups"}},
		{map[string]string{"obj": "a"}, []string{"obj"}},
		{map[string]string{"absent": "", "role": "x"}, []string{"absent", "role"}},
	} {
		if got := c.MissingClaims(tt.req); !slices.Equal(got, tt.missing) {
			t.Errorf("MissingClaims(%v) = %q, want %q", tt.req, got, tt.missing)
		}
	}
	for name, want := range map[string]string{"role": "operator", "groups": "dev,ops", "level": "42", "ok": "true"} {
		if got, ok := c.Value(name); !ok || got != want {
			t.Errorf("Value(%s) = %q %v, want %q", name, got, ok, want)
		}
	}
	if _, ok := c.Value("obj"); ok {
		t.Error("Value(obj) forwarded an object")
	}
}

func TestClaimsTypes(t *testing.T) {
	for _, bad := range []string{`[]`, `null`, `{"iss":1}`, `{"sub":[]}`, `{"aud":[1]}`, `{"aud":null}`, `{"nbf":"1"}`,
		`{"exp":-1}`, `{"scope":["a"]}`, `{"scp":{}}`, `{} {}`} {
		if _, err := parseClaims([]byte(bad)); err == nil {
			t.Errorf("parseClaims(%s) accepted", bad)
		}
	}
}

func TestFromRequest(t *testing.T) {
	def := &Provider{}
	custom := &Provider{Headers: []Header{{Name: "X-Token"}, {Name: "Authorization", Prefix: "JWT "}}}
	for _, tt := range []struct {
		p      *Provider
		header http.Header
		token  string
		from   string
	}{
		{def, http.Header{"Authorization": {"Bearer abc"}}, "abc", "Authorization"},
		{def, http.Header{"Authorization": {"bearer abc"}}, "abc", "Authorization"},
		{def, http.Header{"Authorization": {"Basic abc", "Bearer def"}}, "def", "Authorization"},
		{def, http.Header{"Authorization": {"Bearer "}}, "", ""},
		{def, http.Header{"Authorization": {"abc"}}, "", ""},
		{def, http.Header{"X-Token": {"abc"}}, "", ""},
		{custom, http.Header{"X-Token": {"abc"}}, "abc", "X-Token"},
		{custom, http.Header{"Authorization": {"JWT abc"}}, "abc", "Authorization"},
		{custom, http.Header{"Authorization": {"Bearer abc"}}, "", ""},
	} {
		tok, from, ok := tt.p.FromRequest(tt.header)
		if tok != tt.token || from != tt.from || ok != (tt.token != "") {
			t.Errorf("FromRequest(%v) = %q %q %v, want %q %q", tt.header, tok, from, ok, tt.token, tt.from)
		}
	}
}
