package cef

import (
	"strings"
	"testing"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
	"github.com/zeta-net/zeta/agent/flow"
)

var origin = export.Origin{Node: "node-a", Host: "host-a", Version: "v1.2.3"}

func TestAppend(t *testing.T) {
	want := []string{
		"CEF:0|Zeta|zeta-agent|v1.2.3|DENIED|Flow denied|5|rt=1772600767123 dvchost=node-a act=denied reason=policy_deny " +
			"proto=TCP src=10.0.1.5 spt=40000 dst=10.0.2.7 dpt=5432 deviceDirection=0 in=60 " +
			"cs1=db/deny-shop cs1Label=policy cs2=shop/frontend-1 cs2Label=sourceWorkload " +
			"cs3=db/postgres-0 cs3Label=destinationWorkload " +
			"cs4=spiffe://cluster.local/ns/shop/sa/frontend cs4Label=sourceSpiffeId " +
			"cs5=spiffe://cluster.local/ns/db/sa/postgres cs5Label=destinationSpiffeId " +
			"cs6=db/postgres-0 cs6Label=endpoint cn1=256 cn1Label=sourceIdentity cn2=257 cn2Label=destinationIdentity " +
			"cn3=7 cn3Label=ruleId flexString1=SYN flexString1Label=tcpFlags",
		"CEF:0|Zeta|zeta-agent|v1.2.3|ALLOWED|Flow allowed|1|rt=1772600767124 dvchost=node-a act=allowed " +
			"proto=UDP src=fd00::5 spt=53000 dst=2001:db8::53 dpt=53 deviceDirection=1 in=80 " +
			"cs2=shop/cart-2 cs2Label=sourceWorkload cs6=shop/cart-2 cs6Label=endpoint " +
			"cn1=258 cn1Label=sourceIdentity cn2=2 cn2Label=destinationIdentity",
		"CEF:0|Zeta|zeta-agent|v1.2.3|AUDIT|Flow would be denied (audit)|3|rt=1772600767125 dvchost=node-a act=audit " +
			"reason=policy_default_deny proto=ICMP src=10.0.1.9 dst=192.0.2.1 deviceDirection=1 in=84 " +
			"cn1=259 cn1Label=sourceIdentity cn2=2 cn2Label=destinationIdentity " +
			"flexNumber1=8 flexNumber1Label=icmpType flexNumber2=0 flexNumber2Label=icmpCode",
	}
	e := Encoder{Origin: origin}
	for i, r := range flowtest.Records() {
		if got := string(e.Append(nil, r)); got != want[i] {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

func TestEscaping(t *testing.T) {
	r := flowtest.Records()[0]
	r.Policy = "a=b\\c\nd|e f"
	e := Encoder{Origin: export.Origin{Version: "v|1\\x\ny"}}
	got := string(e.Append(nil, r))
	if !strings.HasPrefix(got, `CEF:0|Zeta|zeta-agent|v\|1\\x y|DENIED|`) {
		t.Errorf("header not escaped: %s", got)
	}
	if !strings.Contains(got, ` cs1=a\=b\\c\nd|e f cs1Label=policy `) {
		t.Errorf("extension value not escaped: %s", got)
	}
	h, ext := parse(t, got)
	if h[3] != "v|1\\x y" || ext["cs1"] != r.Policy {
		t.Errorf("round trip: header %q, cs1 %q", h, ext["cs1"])
	}
}

// FuzzRoundTrip checks that whatever the names in a record, a CEF parser
// reads back the same header and extension values.
func FuzzRoundTrip(f *testing.F) {
	f.Add("db/deny-shop", "postgres-0", "spiffe://cluster.local/ns/db/sa/postgres", "v1")
	f.Add(`a=b c\d`, "x|y", "\r\n", `\`)
	f.Add(" ", "= =", "|", "")
	f.Fuzz(func(t *testing.T, policy, pod, spiffe, version string) {
		r := flowtest.Records()[0]
		r.Policy, r.Destination.Pod, r.Source.SPIFFEID = policy, pod, spiffe
		e := Encoder{Origin: export.Origin{Version: version}}
		out := string(e.Append(nil, r))
		if strings.ContainsAny(out, "\r\n") {
			t.Fatalf("line break in event: %q", out)
		}
		h, ext := parse(t, out)
		if want := strings.NewReplacer("\r", " ", "\n", " ").Replace(version); h[3] != want {
			t.Errorf("version %q read back as %q", want, h[3])
		}
		if ext["cs1"] != policy || ext["cs4"] != spiffe {
			t.Errorf("cs1 %q cs4 %q, want %q %q (%s)", ext["cs1"], ext["cs4"], policy, spiffe, out)
		}
		if pod != "" && ext["cs3"] != "db/"+pod {
			t.Errorf("cs3 %q, want %q", ext["cs3"], "db/"+pod)
		}
		if ext["dst"] != "10.0.2.7" || ext["rt"] != "1772600767123" {
			t.Errorf("fixed fields changed: %v", ext)
		}
	})
}

// parse is a CEF reader: seven header fields split at unescaped pipes,
// then key=value pairs where a key is the word before an unescaped '='.
func parse(t *testing.T, s string) ([]string, map[string]string) {
	t.Helper()
	var header []string
	var cur strings.Builder
	i := 0
	for ; i < len(s) && len(header) < 7; i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '|':
			header = append(header, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if len(header) != 7 || header[0] != "CEF:0" {
		t.Fatalf("bad header in %q: %q", s, header)
	}
	ext := s[i:]
	// Positions of unescaped '='.
	var eqs []int
	for j := 0; j < len(ext); j++ {
		if ext[j] == '\\' {
			j++
			continue
		}
		if ext[j] == '=' {
			eqs = append(eqs, j)
		}
	}
	out := map[string]string{}
	keyStart := func(eq int) int { return strings.LastIndexByte(ext[:eq], ' ') + 1 }
	for k, eq := range eqs {
		end := len(ext)
		if k+1 < len(eqs) {
			end = keyStart(eqs[k+1]) - 1
		}
		key := ext[keyStart(eq):eq]
		out[key] = unescape(ext[eq+1 : end])
	}
	return header, out
}

func unescape(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func TestUnknownVerdict(t *testing.T) {
	r := flowtest.Records()[1]
	r.Verdict = "TRACED"
	e := Encoder{Origin: origin}
	if got := string(e.Append(nil, r)); !strings.HasPrefix(got, "CEF:0|Zeta|zeta-agent|v1.2.3|TRACED|Flow traced|3|") || !strings.Contains(got, " act=traced ") {
		t.Errorf("unknown verdict: %s", got)
	}
}

func TestEveryVerdictMapped(t *testing.T) {
	for _, v := range flow.Verdicts {
		if _, ok := verdicts[v]; !ok {
			t.Errorf("verdict %s has no CEF name and severity", v)
		}
	}
}
