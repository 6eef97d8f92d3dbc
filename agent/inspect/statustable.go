package inspect

import (
	"strconv"

	"github.com/cilium/ebpf"
)

// Tables implements Tabler.
func (s *Status) Tables() []Table {
	agent := Table{Title: "Agent", Header: []string{"RUNNING", "READY", "APPLIED", "ENDPOINTS", "PROBLEM"}}
	if h := s.Agent.Health; h != nil {
		agent.Rows = [][]string{{"yes", yesNo(h.Ready), h.Applied, strconv.Itoa(h.Endpoints), h.Error}}
	} else {
		agent.Rows = [][]string{{yesNo(s.Agent.Running), "", "", "", s.Agent.Problem}}
	}
	node := Table{Title: "Node", Header: []string{"KERNEL", "FLOW EVENTS LOST", "FLOW EVENTS RATE-LIMITED"}}
	if e := s.FlowEvents; e != nil {
		node.Rows = [][]string{{s.Kernel, strconv.FormatUint(e.Lost, 10), strconv.FormatUint(e.RateLimited, 10)}}
	} else {
		node.Rows = [][]string{{s.Kernel, "", ""}}
	}
	links := Table{Title: "Attached programs", Header: []string{"IFINDEX", "INTERFACE", "HOOK", "PROGRAM", "PROGRAM ID", "LINK ID", "PIN"}}
	for _, l := range s.Links {
		iface := l.Interface
		switch {
		case l.Defunct:
			iface = "(gone)"
		case iface == "" && l.Error == "":
			iface = "(not in this netns)"
		}
		links.Rows = append(links.Rows, []string{
			strconv.FormatUint(uint64(l.Ifindex), 10), iface, l.Hook, l.Program,
			strconv.FormatUint(uint64(l.ProgramID), 10), strconv.FormatUint(uint64(l.LinkID), 10), l.Pin,
		})
	}
	maps := Table{Title: "Maps", Header: []string{"MAP", "TYPE", "ENTRIES", "LIMIT", "FILL"}}
	for _, m := range s.Maps {
		maps.Rows = append(maps.Rows, m.row())
	}
	if s.Version != "" {
		agent.Header = append([]string{"VERSION", "NODE"}, agent.Header...)
		agent.Rows[0] = append([]string{s.Version, s.Node}, agent.Rows[0]...)
	}
	tables := []Table{agent, node}
	if src := s.IdentitySource; src != nil {
		tables = append(tables, Table{
			Title: "Identity source", Header: []string{"SOURCE", "TRUST DOMAIN", "IDENTITIES"},
			Rows: [][]string{{src.Source, src.TrustDomain, strconv.Itoa(src.Identities)}},
		})
	}
	tables = append(tables, links, maps)
	if p := s.FlowPipeline; p != nil {
		tables = append(tables, p.tables()...)
	}
	if len(s.Errors) > 0 {
		errs := Table{Title: "Errors", Header: []string{"ERROR"}}
		for _, e := range s.Errors {
			errs.Rows = append(errs.Rows, []string{e})
		}
		tables = append(tables, errs)
	}
	return tables
}

func (m MapFill) row() []string {
	limit := strconv.FormatUint(uint64(m.MaxEntries), 10)
	if m.Type == ebpf.RingBuf.String() {
		limit += " bytes"
	}
	entries, fill := "", ""
	if m.Entries != nil {
		entries = strconv.FormatUint(uint64(*m.Entries), 10)
		fill = fillPercent(*m.Entries, m.MaxEntries)
	}
	return []string{m.Name, m.Type, entries, limit, fill}
}

// fillPercent shows entries/limit to a tenth of a percent, and a map that
// is not empty as at least "<0.1%".
func fillPercent(entries, limit uint32) string {
	if limit == 0 {
		return ""
	}
	pct := 100 * float64(entries) / float64(limit)
	if entries > 0 && pct < 0.1 {
		return "<0.1%"
	}
	return strconv.FormatFloat(pct, 'f', 1, 64) + "%"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// tables shows the history buffer, then one row per consumer.
func (p *FlowPipeline) tables() []Table {
	buf := Table{
		Title:  "Flow pipeline",
		Header: []string{"RECORDS", "BUFFERED", "BUFFER SIZE", "BAD EVENTS"},
		Rows: [][]string{{
			strconv.FormatUint(p.Records, 10), strconv.Itoa(p.Buffered), strconv.Itoa(p.BufferSize), strconv.FormatUint(p.BadEvents, 10),
		}},
	}
	cons := Table{Title: "Flow consumers", Header: []string{"NAME", "KIND", "QUEUED", "QUEUE SIZE", "DELIVERED", "DROPPED", "HEALTHY", "LAST ERROR"}}
	for _, c := range p.Consumers {
		healthy := ""
		if c.Kind == "exporter" {
			healthy = yesNo(c.Healthy)
		}
		cons.Rows = append(cons.Rows, []string{
			c.Name, c.Kind, strconv.Itoa(c.Queued), strconv.Itoa(c.QueueSize),
			strconv.FormatUint(c.Delivered, 10), strconv.FormatUint(c.Dropped, 10), healthy, c.LastError,
		})
	}
	return []Table{buf, cons}
}
