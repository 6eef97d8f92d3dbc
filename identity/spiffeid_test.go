package identity

import (
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

func TestPodID(t *testing.T) {
	td := spiffeid.RequireTrustDomainFromString("example.org")
	for _, tc := range []struct {
		ns, sa, want string
		wantErr      bool
	}{
		{"prod", "api", "spiffe://example.org/ns/prod/sa/api", false},
		{"prod", "", "spiffe://example.org/ns/prod/sa/default", false},
		{"Bad NS", "api", "", true},
	} {
		id, err := PodID(td, tc.ns, tc.sa)
		if tc.wantErr {
			if err == nil {
				t.Errorf("PodID(%q, %q) = %s, want error", tc.ns, tc.sa, id)
			}
			continue
		}
		if err != nil || id.String() != tc.want {
			t.Errorf("PodID(%q, %q) = %s, %v; want %s", tc.ns, tc.sa, id, err, tc.want)
		}
	}
}
