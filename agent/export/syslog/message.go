package syslog

import (
	"strconv"

	"github.com/zeta-net/zeta/agent/flow"
)

// Syslog severities of verdicts: a denial is a warning, an audit (would
// be denied) a notice, the rest informational.
var severities = map[string]int{
	flow.VerdictDenied: 4,
	flow.VerdictAudit:  5,
}

const severityInfo = 6

// header is the fixed part of an RFC 5424 header after the timestamp:
// " HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA ".
func header(hostname, app string, pid int) []byte {
	h := []byte{' '}
	h = append(h, headerField(hostname, 255)...)
	h = append(h, ' ')
	h = append(h, headerField(app, 48)...)
	h = append(h, ' ')
	h = strconv.AppendInt(h, int64(pid), 10)
	return append(h, " flow - "...)
}

// headerField makes s a valid header field: printable US-ASCII without
// spaces, at most n bytes, "-" (the nil value) when empty.
func headerField(s string, n int) string {
	b := []byte(s)
	if len(b) > n {
		b = b[:n]
	}
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}

// appendMessage appends the RFC 5424 message of r with the given payload
// appender: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG.
func (e *Exporter) appendMessage(dst []byte, r *flow.Record) ([]byte, error) {
	sev, ok := severities[r.Verdict]
	if !ok {
		sev = severityInfo
	}
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(e.facility*8+sev), 10)
	dst = append(dst, ">1 "...)
	if r.Time.IsZero() {
		dst = append(dst, '-')
	} else {
		dst = r.Time.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
	}
	dst = append(dst, e.header...)
	return e.payload(dst, r)
}

// frame prefixes msg with its length (RFC 5425 octet counting) for the
// stream transports; a datagram is the message itself.
func frame(transport string, msg []byte) []byte {
	if transport == UDP {
		return msg
	}
	out := strconv.AppendInt(make([]byte, 0, len(msg)+8), int64(len(msg)), 10)
	out = append(out, ' ')
	return append(out, msg...)
}
