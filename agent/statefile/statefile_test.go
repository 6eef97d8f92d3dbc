package statefile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	var got map[string]int
	if ok, err := Read(path, &got); ok || err != nil {
		t.Fatalf("missing file: %v, %v; want false, nil", ok, err)
	}
	if err := Write(path, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if ok, err := Read(path, &got); !ok || err != nil || got["a"] != 1 {
		t.Fatalf("read back %v, %v, %v", got, ok, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path, &got); err == nil {
		t.Error("corrupt file read without error")
	}
}
