package authz

import (
	"net/http"
	"testing"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

func TestMatcher(t *testing.T) {
	f := false
	tests := []struct {
		name   string
		rule   v1alpha1.HTTPRule
		method string
		host   string
		path   string
		header http.Header
		want   bool
	}{
		{name: "empty rule matches all", method: "DELETE", path: "/x", want: true},
		{name: "method", rule: v1alpha1.HTTPRule{Methods: []string{"GET", "HEAD"}}, method: "HEAD", path: "/", want: true},
		{name: "method is case-sensitive", rule: v1alpha1.HTTPRule{Methods: []string{"GET"}}, method: "get", path: "/"},
		{name: "exact", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Exact: "/a/b"}}}, path: "/a/b", want: true},
		{name: "exact not below", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Exact: "/a/b"}}}, path: "/a/b/"},
		{name: "prefix itself", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Prefix: "/api"}}}, path: "/api", want: true},
		{name: "prefix below", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Prefix: "/api"}}}, path: "/api/v1/x", want: true},
		{name: "prefix is segment-wise", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Prefix: "/api"}}}, path: "/apix"},
		{name: "prefix with slash", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Prefix: "/api/"}}}, path: "/api/v1", want: true},
		{name: "prefix root", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Prefix: "/"}}}, path: "/anything", want: true},
		{name: "glob", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Glob: "/p/*/reviews"}}}, path: "/p/42/reviews", want: true},
		{name: "glob one segment only", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Glob: "/p/*/reviews"}}}, path: "/p/4/2/reviews"},
		{name: "glob no empty segment", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Glob: "/p/*"}}}, path: "/p/"},
		{name: "glob not a prefix", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Glob: "/p/*"}}}, path: "/p/1/x"},
		{name: "glob literal", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Glob: "/p/q"}}}, path: "/p/q", want: true},
		{name: "any path entry", rule: v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Exact: "/a"}, {Prefix: "/b"}}}, path: "/b/c", want: true},
		{name: "host", rule: v1alpha1.HTTPRule{Hosts: []string{"api.example.com"}}, host: "API.example.com:8080", path: "/", want: true},
		{name: "host trailing dot", rule: v1alpha1.HTTPRule{Hosts: []string{"api.example.com"}}, host: "api.example.com.", path: "/", want: true},
		{name: "host mismatch", rule: v1alpha1.HTTPRule{Hosts: []string{"api.example.com"}}, host: "evil.com", path: "/"},
		{name: "wildcard host", rule: v1alpha1.HTTPRule{Hosts: []string{"*.example.com"}}, host: "a.b.example.com", path: "/", want: true},
		{name: "wildcard not apex", rule: v1alpha1.HTTPRule{Hosts: []string{"*.example.com"}}, host: "example.com", path: "/"},
		{name: "wildcard not suffix of label", rule: v1alpha1.HTTPRule{Hosts: []string{"*.example.com"}}, host: "badexample.com", path: "/"},
		{name: "IPv6 host", rule: v1alpha1.HTTPRule{Hosts: []string{"::1"}}, host: "[::1]:80", path: "/", want: true},
		{name: "IPv6 host in upper case", rule: v1alpha1.HTTPRule{Hosts: []string{"FE80::1"}}, host: "[fe80:0::1]", path: "/", want: true},
		{name: "IPv4 host", rule: v1alpha1.HTTPRule{Hosts: []string{"10.0.0.1"}}, host: "10.0.0.1:8080", path: "/", want: true},
		{name: "no host", rule: v1alpha1.HTTPRule{Hosts: []string{"a"}}, path: "/"},
		{name: "header present", rule: v1alpha1.HTTPRule{Headers: []v1alpha1.HeaderMatch{{Name: "x-debug"}}}, path: "/", header: http.Header{"X-Debug": {""}}, want: true},
		{name: "header missing", rule: v1alpha1.HTTPRule{Headers: []v1alpha1.HeaderMatch{{Name: "x-debug"}}}, path: "/"},
		{name: "header absent", rule: v1alpha1.HTTPRule{Headers: []v1alpha1.HeaderMatch{{Name: "X-Debug", Present: &f}}}, path: "/", want: true},
		{name: "header must be absent", rule: v1alpha1.HTTPRule{Headers: []v1alpha1.HeaderMatch{{Name: "X-Debug", Present: &f}}}, path: "/", header: http.Header{"X-Debug": {"1"}}},
		{name: "header value", rule: v1alpha1.HTTPRule{Headers: []v1alpha1.HeaderMatch{{Name: "Content-Type", Value: "application/json"}}}, path: "/", header: http.Header{"Content-Type": {"text/plain", "application/json"}}, want: true},
		{name: "header value differs", rule: v1alpha1.HTTPRule{Headers: []v1alpha1.HeaderMatch{{Name: "Content-Type", Value: "application/json"}}}, path: "/", header: http.Header{"Content-Type": {"application/json; x"}}},
		{name: "all fields must match", rule: v1alpha1.HTTPRule{Methods: []string{"POST"}, Paths: []v1alpha1.PathMatch{{Exact: "/o"}}}, method: "GET", path: "/o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMatcher(&tt.rule)
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			if got := m.Match(tt.method, tt.host, tt.path, h); got != tt.want {
				t.Fatalf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "/a/b": "/a/b", "/a/b/": "/a/b/", "//admin": "/admin", "/api/../admin": "/admin",
		"/a/./b": "/a/b", "a": "/a", "/../..": "/", "/a//b//": "/a/b/",
	} {
		if got := CleanPath(in); got != want {
			t.Errorf("CleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}
