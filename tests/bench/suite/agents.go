package suite

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/zeta-net/zeta/tests/lab/proc"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on
// every Linux architecture).
const userHZ = 100

// agents are the agent processes of a cluster.
type agents []proc.Identity

// agentsOf returns the agents the lab started for cluster name.
func agentsOf(name string) (agents, error) {
	st, err := state.Load(name)
	if err != nil {
		return nil, err
	}
	var out agents
	for _, id := range st.AgentProc {
		out = append(out, id)
	}
	return out, nil
}

// signal sends sig to every agent still running.
func (a agents) signal(sig syscall.Signal) error {
	var errs []error
	for _, id := range a {
		if id.Alive() {
			errs = append(errs, syscall.Kill(id.PID, sig))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("signal agents: %w", err)
	}
	return nil
}

// cpu is the CPU time, user and system, the agents have used so far.
func (a agents) cpu() (time.Duration, error) {
	var ticks uint64
	for _, id := range a {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", id.PID))
		if err != nil {
			return 0, fmt.Errorf("read agent CPU time: %w", err)
		}
		// Fields 14 and 15 of proc(5), counted after the command name,
		// which may hold spaces, in parentheses.
		fields := bytes.Fields(data[bytes.LastIndexByte(data, ')')+1:])
		const utime, stime = 11, 12
		if len(fields) <= stime {
			return 0, fmt.Errorf("read agent CPU time: malformed /proc/%d/stat", id.PID)
		}
		for _, f := range fields[utime : stime+1] {
			n, err := strconv.ParseUint(string(f), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read agent CPU time: %w", err)
			}
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
