package health

import (
	"maps"
	"slices"
	"strings"
)

// Check is a condition of readiness that another component owns, beyond
// the agent's own (programs attached to every local pod, the source's
// first full state applied): for example the identity source having its
// first SVIDs. It returns nil when the condition holds, else why not. It
// is called on every /readyz, so it must be cheap and must not block.
type Check func() error

// Gate is s as the checks see it: ready only if s is and every check
// holds. The failing checks' reasons are appended to Error in name order,
// so the answer is stable between probes.
func Gate(s Status, checks map[string]Check) Status {
	var failed []string
	for _, name := range slices.Sorted(maps.Keys(checks)) {
		if err := checks[name](); err != nil {
			failed = append(failed, name+": "+err.Error())
		}
	}
	if len(failed) == 0 {
		return s
	}
	s.Ready = false
	if s.Error != "" {
		failed = append([]string{s.Error}, failed...)
	}
	s.Error = strings.Join(failed, "; ")
	return s
}
