package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// WithEnv returns the processes whose environment holds key=value.
func WithEnv(key, value string) ([]Identity, error) {
	want := []byte(key + "=" + value)
	return scan(func(pid int) bool {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		return err == nil && hasEntry(env, want)
	})
}

// InNetns returns the processes in one of the network namespaces bound at
// paths; paths that do not exist are skipped.
func InNetns(paths []string) ([]Identity, error) {
	type nsID struct{ dev, ino uint64 }
	want := map[nsID]bool{}
	for _, p := range paths {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err == nil {
			want[nsID{st.Dev, st.Ino}] = true
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	return scan(func(pid int) bool {
		var st unix.Stat_t
		return unix.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st) == nil && want[nsID{st.Dev, st.Ino}]
	})
}

// scan returns the processes, other than this one, that match.
func scan(match func(pid int) bool) ([]Identity, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	self := os.Getpid()
	var ids []Identity
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || !match(pid) {
			continue
		}
		id, err := Lookup(pid)
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone meanwhile
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// hasEntry reports whether the NUL-separated list holds item.
func hasEntry(list, item []byte) bool {
	for entry := range bytes.SplitSeq(list, []byte{0}) {
		if bytes.Equal(entry, item) {
			return true
		}
	}
	return false
}
