package inspect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf/maps/eventmap"
)

// FlowEvents counts the flow events the kernel could not deliver.
type FlowEvents struct {
	Lost        uint64 `json:"lost"`
	RateLimited uint64 `json:"rate_limited"`
}

// Status is the output of Status.
type Status struct {
	// Version and Node are the agent's, when it answers through its API.
	Version string `json:"version,omitempty"`
	Node    string `json:"node,omitempty"`
	// Started is when the agent started, when it answers through its API.
	Started *time.Time  `json:"started,omitempty"`
	Agent   AgentStatus `json:"agent"`
	Kernel  string      `json:"kernel"`
	// IdentitySource is where the agent learns workloads, when it answers
	// through its API.
	IdentitySource *IdentitySource `json:"identity_source,omitempty"`
	// Links and Maps are null when they could not be listed.
	Links []Link    `json:"links"`
	Maps  []MapFill `json:"maps"`
	// FlowEvents is absent when the counters could not be read.
	FlowEvents *FlowEvents `json:"flow_events,omitempty"`
	// FlowPipeline is the agent's flow fan-out, when it answers through
	// its API.
	FlowPipeline *FlowPipeline `json:"flow_pipeline,omitempty"`
	// Errors lists the parts that could not be read.
	Errors []string `json:"errors,omitempty"`
}

// Status gathers the node's state part by part: the agent's health, the
// kernel, the attached programs, the maps' fill and the flow event
// counters. A part that cannot be read is recorded in Errors and the rest
// still shows; an agent that is not running is a state, not an error.
func (n Node) Status(ctx context.Context) *Status {
	s := n.DatapathStatus()
	var err error
	s.Agent, err = n.agentStatus(ctx)
	if err != nil {
		s.Errors = append([]string{err.Error()}, s.Errors...)
	}
	return s
}

// DatapathStatus is Status without the agent's health: what the kernel
// and the pins say.
func (n Node) DatapathStatus() *Status {
	s := &Status{}
	var err error
	s.Kernel, err = kernelRelease()
	s.fail(err)
	s.Links, err = n.links()
	s.fail(err)
	for _, l := range s.Links {
		if l.Error != "" {
			s.fail(fmt.Errorf("link %s: %s", l.Pin, l.Error))
		}
	}
	s.Maps, err = n.mapFills()
	s.fail(err)
	if errors.Is(err, ErrNotInstalled) {
		return s // the counters are not pinned either
	}
	for _, m := range s.Maps {
		if m.Error != "" {
			s.fail(fmt.Errorf("map %s: %s", m.Name, m.Error))
		}
	}
	s.FlowEvents, err = n.flowEvents()
	s.fail(err)
	return s
}

func (s *Status) fail(err error) {
	if err != nil {
		s.Errors = append(s.Errors, err.Error())
	}
}

func kernelRelease() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}

func (n Node) flowEvents() (*FlowEvents, error) {
	m, err := n.openMap(mapCounters)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	lost, err := eventmap.ReadCounter(m, eventmap.EventsLost)
	if err != nil {
		return nil, err
	}
	limited, err := eventmap.ReadCounter(m, eventmap.EventsRateLimited)
	if err != nil {
		return nil, err
	}
	return &FlowEvents{Lost: lost, RateLimited: limited}, nil
}
