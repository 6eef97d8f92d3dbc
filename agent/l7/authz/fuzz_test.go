package authz

import (
	"net/http"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

// FuzzMatcher checks the matcher's invariants on arbitrary paths: it
// never panics, a glob without "*" matches exactly like exact, a prefix
// matches its own path, and whatever matches a prefix starts with it.
func FuzzMatcher(f *testing.F) {
	for _, s := range [][3]string{
		{"/api", "/api/v1", "GET"}, {"/p/*/r", "/p/1/r", "POST"}, {"/", "//x/../y", "HEAD"},
		{"/a/", "/a", "GET"}, {"/x/*", "/x/", "DELETE"}, {"/%2F", "/%2F", "GET"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, pattern, path, method string) {
		path = CleanPath(path)
		pattern = CleanPath(pattern)
		h := http.Header{}
		exact := NewMatcher(&v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Exact: pattern}}})
		prefix := NewMatcher(&v1alpha1.HTTPRule{Paths: []v1alpha1.PathMatch{{Prefix: pattern}}})
		glob := NewMatcher(&v1alpha1.HTTPRule{Methods: []string{method}, Paths: []v1alpha1.PathMatch{{Glob: pattern}}})
		e := exact.Match(method, "", path, h)
		g := glob.Match(method, "", path, h)
		if !strings.Contains(pattern, "*") && e != g {
			t.Fatalf("pattern %q path %q: exact %v, glob %v", pattern, path, e, g)
		}
		if !prefix.Match(method, "", pattern, h) {
			t.Fatalf("prefix %q does not match itself", pattern)
		}
		if prefix.Match(method, "", path, h) && !strings.HasPrefix(path, strings.TrimSuffix(pattern, "/")) {
			t.Fatalf("prefix %q matches %q", pattern, path)
		}
		host := NewMatcher(&v1alpha1.HTTPRule{Hosts: []string{pattern}})
		_ = host.Match(method, path, path, h)
	})
}
