package flow

import "strconv"

// TypeTunnel is the Type of a record of a connection the mutual-TLS
// tunnel carried or refused, reported once when it ends: both peers carry
// their SPIFFE IDs, Totals the payload each way (no packet counts).
const TypeTunnel = "tunnel"

// TypeL7 is the Type of a record of one HTTP request the L7 proxy judged.
const TypeL7 = "l7"

// L7 is what an L7 record says of its request. Tokens are never
// recorded; Path has no query.
type L7 struct {
	Method string `json:"method"`
	Host   string `json:"host,omitempty"`
	Path   string `json:"path"`
	// Status is what the client got; Reason why the proxy decided.
	Status int    `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Issuer and Subject are the token's, when one authenticated.
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// appendL7 encodes l as the "l7" member, as encoding/json would.
func appendL7(b []byte, l *L7) []byte {
	b = append(b, `,"l7":{"method":`...)
	b = appendString(b, l.Method)
	b = appendOptString(b, `,"host":`, l.Host)
	b = append(b, `,"path":`...)
	b = appendString(b, l.Path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(l.Status), 10)
	b = appendOptString(b, `,"reason":`, l.Reason)
	b = appendOptString(b, `,"issuer":`, l.Issuer)
	b = appendOptString(b, `,"subject":`, l.Subject)
	return append(b, '}')
}
