package labns

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/tests/netnstest"
)

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func TestCreateDoDelete(t *testing.T) {
	netnstest.RequireRoot(t)
	prefix := fmt.Sprintf("zl_labnstest%d_", os.Getpid())
	name := prefix + "a"
	if err := Create(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Delete(name) })
	if err := Create(name); err == nil {
		t.Error("creating an existing namespace succeeded")
	}
	if names, err := List(prefix); err != nil || !slices.Equal(names, []string{name}) {
		t.Errorf("List = %v, %v", names, err)
	}

	before := inode(t, "/proc/thread-self/ns/net")
	var inside uint64
	if err := Do(name, func() error {
		inside = inode(t, "/proc/thread-self/ns/net")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := inode(t, Path(name)); inside != want {
		t.Errorf("Do ran in netns %d, want %d", inside, want)
	}
	if after := inode(t, "/proc/thread-self/ns/net"); after != before {
		t.Error("Do moved the caller's thread")
	}

	if err := Delete(name); err != nil {
		t.Fatal(err)
	}
	if Exists(name) {
		t.Error("deleted namespace exists")
	}
	if err := Delete(name); err != nil {
		t.Errorf("deleting a missing namespace: %v", err)
	}
	if err := Do(name, func() error { return nil }); err == nil {
		t.Error("Do in a missing namespace succeeded")
	}
}
