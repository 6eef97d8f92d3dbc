package flow

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendJSON appends r as encoding/json writes it, byte for byte, without
// reflection: the flow log writes every record, and reflecting over it
// cost more than the rest of the pipeline. A field added to Record, Peer
// or Totals must be added here too (TestAppendJSONEveryField fails until
// it is).
func appendJSON(b []byte, r *Record) ([]byte, error) {
	n := len(b)
	b = append(b, `{"time":"`...)
	withTime, err := r.Time.AppendText(b)
	if err != nil {
		return b[:n], fmt.Errorf("encode flow record: %w", err)
	}
	b = append(withTime, `","node":`...)
	b = appendString(b, r.Node)
	b = append(b, `,"verdict":`...)
	b = appendString(b, r.Verdict)
	b = appendOptString(b, `,"drop_reason":`, r.DropReason)
	b = append(b, `,"direction":`...)
	b = appendString(b, r.Direction)
	b = append(b, `,"ip_version":`...)
	b = strconv.AppendInt(b, int64(r.IPVersion), 10)
	b = append(b, `,"protocol":`...)
	b = appendString(b, r.Protocol)
	b = append(b, `,"source":`...)
	b = appendPeer(b, &r.Source)
	b = append(b, `,"destination":`...)
	b = appendPeer(b, &r.Destination)
	b = appendOptString(b, `,"tcp_flags":`, r.TCPFlags)
	if r.ICMP != nil {
		b = append(b, `,"icmp":{"type":`...)
		b = strconv.AppendUint(b, uint64(r.ICMP.Type), 10)
		b = append(b, `,"code":`...)
		b = strconv.AppendUint(b, uint64(r.ICMP.Code), 10)
		b = append(b, '}')
	}
	b = appendOptString(b, `,"policy":`, r.Policy)
	b = appendOptString(b, `,"endpoint":`, r.Endpoint)
	b = append(b, `,"ifindex":`...)
	b = strconv.AppendUint(b, uint64(r.Ifindex), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendUint(b, uint64(r.Bytes), 10)
	b = append(b, `,"packets":`...)
	b = strconv.AppendUint(b, uint64(r.Packets), 10)
	if r.RuleID != 0 {
		b = append(b, `,"rule_id":`...)
		b = strconv.AppendUint(b, uint64(r.RuleID), 10)
	}
	b = appendOptString(b, `,"trace_context":`, r.TraceContext)
	b = appendOptString(b, `,"type":`, r.Type)
	if t := r.Totals; t != nil {
		b = append(b, `,"totals":{"fwd_packets":"`...)
		b = strconv.AppendUint(b, t.FwdPackets, 10)
		b = append(b, `","fwd_bytes":"`...)
		b = strconv.AppendUint(b, t.FwdBytes, 10)
		b = append(b, `","rev_packets":"`...)
		b = strconv.AppendUint(b, t.RevPackets, 10)
		b = append(b, `","rev_bytes":"`...)
		b = strconv.AppendUint(b, t.RevBytes, 10)
		b = append(b, `","started":"`...)
		withTime, err := t.Started.AppendText(b)
		if err != nil {
			return b[:n], fmt.Errorf("encode flow record: %w", err)
		}
		b = append(withTime, `","end":`...)
		b = appendString(b, t.End)
		b = append(b, '}')
	}
	if r.L7 != nil {
		b = appendL7(b, r.L7)
	}
	return append(b, '}'), nil
}

func appendPeer(b []byte, p *Peer) []byte {
	b = append(b, `{"ip":`...)
	b = appendString(b, p.IP)
	if p.Port != 0 {
		b = append(b, `,"port":`...)
		b = strconv.AppendUint(b, uint64(p.Port), 10)
	}
	b = append(b, `,"identity":`...)
	b = strconv.AppendUint(b, uint64(p.Identity), 10)
	b = appendOptString(b, `,"namespace":`, p.Namespace)
	b = appendOptString(b, `,"pod":`, p.Pod)
	if len(p.Labels) > 0 {
		b = append(b, `,"labels":{`...)
		// Pods have a few labels: sort their keys without allocating.
		var buf [16]string
		keys := buf[:0]
		for k := range p.Labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, p.Labels[k])
		}
		b = append(b, '}')
	}
	b = appendOptString(b, `,"spiffe_id":`, p.SPIFFEID)
	return append(b, '}')
}

// appendOptString appends a field tagged omitempty: nothing if s is empty.
func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, key...), s)
}

const hexDigits = "0123456789abcdef"

// appendString appends s quoted as encoding/json does with HTML escaping,
// its default: control characters, <, > and & as \u00XX (\b, \f, \n, \r
// and \t by name), invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
