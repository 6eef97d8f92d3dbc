package dirsource

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStamp: a settled stamp says unchanged until an entry is rewritten,
// even with the same size and modification time, added, renamed or
// removed; a stamp taken right after a change is not trusted.
func TestStamp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pods.yaml")
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	take := func(now time.Time) stamp {
		t.Helper()
		s, err := takeStamp(dir, now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	later := func() time.Time { return time.Now().Add(2 * settleTime) }
	write("pods.yaml", pods)

	if racy := take(time.Now()); racy.settled || racy.unchanged(take(later())) {
		t.Error("a stamp taken right after a write is trusted")
	}
	last := take(later())
	if !last.unchanged(take(later())) {
		t.Fatal("an untouched directory changed")
	}

	// Same size, modification time put back: the change time still moves.
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	write("pods.yaml", strings.Replace(pods, "name: a", "name: c", 1))
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if last.unchanged(take(later())) {
		t.Error("a rewritten file looks unchanged")
	}

	for _, c := range []struct {
		what   string
		change func() error
	}{
		{"added", func() error { return os.WriteFile(filepath.Join(dir, "more.yaml"), nil, 0o644) }},
		{"renamed", func() error { return os.Rename(filepath.Join(dir, "more.yaml"), filepath.Join(dir, "other.yaml")) }},
		{"removed", func() error { return os.Remove(filepath.Join(dir, "other.yaml")) }},
	} {
		last = take(later())
		if err := c.change(); err != nil {
			t.Fatal(err)
		}
		if last.unchanged(take(later())) {
			t.Errorf("a directory with a file %s looks unchanged", c.what)
		}
	}

	if _, err := takeStamp(filepath.Join(dir, "missing"), time.Now()); err == nil {
		t.Error("stamped a missing directory")
	}
}
