package tunnel

import (
	"strings"
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

func TestServerNameRoundTrip(t *testing.T) {
	long := "spiffe://cluster.local/ns/" + strings.Repeat("n", 63) + "/sa/" + strings.Repeat("s.a-", 60)
	for _, s := range []string{
		"spiffe://cluster.local/ns/prod/sa/api",
		"spiffe://example.org/ns/default/sa/default",
		"spiffe://td/Path_With.Dots-and_UNDERSCORES",
		long,
	} {
		id := spiffeid.RequireFromString(s)
		name := ServerName(id)
		for label := range strings.SplitSeq(name, ".") {
			if len(label) == 0 || len(label) > maxLabel || strings.ToLower(label) != label {
				t.Errorf("ServerName(%s) = %q: label %q is no lower-case DNS label", s, name, label)
			}
		}
		got, err := ParseServerName(name)
		if err != nil || got != id {
			t.Errorf("ParseServerName(ServerName(%s)) = %s, %v", s, got, err)
		}
		// Server names are case-insensitive.
		if got, err := ParseServerName(strings.ToUpper(name)); err != nil || got != id {
			t.Errorf("ParseServerName(upper case) = %s, %v", got, err)
		}
	}
}

func TestParseServerNameRefuses(t *testing.T) {
	for _, name := range []string{
		"", "www.example.com", ".id.zeta", "!!!.id.zeta",
		ServerName(spiffeid.RequireFromString("spiffe://td/x"))[:5] + ".id.zeta",
		strings.ToLower(sniEncoding.EncodeToString([]byte("Bad TD/x"))) + ".id.zeta",
	} {
		if id, err := ParseServerName(name); err == nil {
			t.Errorf("ParseServerName(%q) = %s, want an error", name, id)
		}
	}
}

func FuzzParseServerName(f *testing.F) {
	f.Add(ServerName(spiffeid.RequireFromString("spiffe://cluster.local/ns/prod/sa/api")))
	f.Add("www.example.com")
	f.Add("aaaa.id.zeta")
	f.Fuzz(func(t *testing.T, name string) {
		id, err := ParseServerName(name)
		if err != nil {
			return
		}
		// Whatever parses names an ID that encodes back to a name
		// that parses to the same ID.
		if again, err := ParseServerName(ServerName(id)); err != nil || again != id {
			t.Fatalf("%q parsed to %s, which round-trips to %s, %v", name, id, again, err)
		}
	})
}

func TestParseForwarded(t *testing.T) {
	for in, want := range map[string]string{
		`for="10.0.0.1:5555"`:            "10.0.0.1:5555",
		`for="[fd00::1]:80";proto=https`: "[fd00::1]:80",
		`by=x; for="[::ffff:1.2.3.4]:9"`: "1.2.3.4:9",
		`for=unknown`:                    "",
		``:                               "",
	} {
		got, ok := parseForwarded(in)
		if (want == "") == ok || (ok && got.String() != want) {
			t.Errorf("parseForwarded(%q) = %s, %v; want %q", in, got, ok, want)
		}
	}
}
