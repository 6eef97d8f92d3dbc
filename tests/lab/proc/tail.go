package proc

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// tailBytes bounds how much of a log Tail reads; tailLines is how much of
// it WithLogTail shows.
const (
	tailBytes = 8 << 10
	tailLines = 20
)

// WithLogTail adds the last lines of the log at path to err, so that an
// error about a process shows what the process said.
func WithLogTail(err error, path string) error {
	return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, path, Tail(path, tailLines))
}

// Tail returns the last n lines of the log at path, or a note why there are
// none, for error messages.
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > tailBytes {
		if _, err := f.Seek(-tailBytes, io.SeekEnd); err != nil {
			return "(unreadable log: " + err.Error() + ")"
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return "(unreadable log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	text := strings.Join(lines, "\n")
	if text == "" {
		return "(empty log)"
	}
	return text
}
