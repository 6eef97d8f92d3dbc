package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Identity names one process for its whole life: a PID and the time it
// started, in clock ticks since boot.
type Identity struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// Lookup returns the identity of the running process pid.
func Lookup(pid int) (Identity, error) {
	st, err := readStat(pid)
	if err != nil {
		return Identity{}, err
	}
	return Identity{PID: pid, Start: st.start}, nil
}

// Alive reports whether the process still runs: same PID, same start time,
// not a zombie.
func (id Identity) Alive() bool {
	if id.PID <= 0 {
		return false
	}
	st, err := readStat(id.PID)
	return err == nil && st.start == id.Start && st.state != 'Z' && st.state != 'X'
}

type stat struct {
	state byte
	start uint64
}

// readStat parses /proc/PID/stat. The command name (field 2) may hold
// spaces and parentheses, so fields are counted after its last ')'.
func readStat(pid int) (stat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("read process %d: malformed stat", pid)
	}
	fields := bytes.Fields(data[i+1:])
	const state, starttime = 0, 19 // fields 3 and 22 of proc(5)
	if len(fields) <= starttime {
		return stat{}, fmt.Errorf("read process %d: malformed stat", pid)
	}
	start, err := strconv.ParseUint(string(fields[starttime]), 10, 64)
	if err != nil {
		return stat{}, fmt.Errorf("read process %d: start time: %w", pid, err)
	}
	return stat{state: fields[state][0], start: start}, nil
}
