package proc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStartFindStop(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	marker := "ZETA_LAB_PROC_TEST=" + strconv.Itoa(os.Getpid())
	cmd := exec.Command("sh", "-c", "trap 'echo bye; exit 0' TERM; echo trapped; while :; do sleep 0.01; done")
	cmd.Env = append(os.Environ(), marker)
	id, err := Start(cmd, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Stop(context.Background(), []Identity{id}, 0) })
	if !id.Alive() {
		t.Fatal("started process is not alive")
	}
	if (Identity{PID: id.PID, Start: id.Start + 1}).Alive() {
		t.Error("an identity with another start time is alive: a reused PID would be killed")
	}
	key, value, _ := strings.Cut(marker, "=")
	found, err := WithEnv(key, value)
	if err != nil || !slices.Contains(found, id) { // and the shell's sleep children
		t.Errorf("WithEnv = %v, %v; want %v among them", found, err, id)
	}
	trapped := func(context.Context) error {
		if Tail(log, 1) != "trapped" {
			return errors.New("no trap yet")
		}
		return nil
	}
	if err := WaitFor(t.Context(), id, trapped); err != nil {
		t.Fatal(err)
	}
	if err := Stop(context.Background(), []Identity{id}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if id.Alive() {
		t.Error("stopped process is alive")
	}
	if got := Tail(log, 1); got != "bye" {
		t.Errorf("Tail = %q, want the TERM trap's line", got)
	}
}

func TestStopKillsAfterGrace(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	id, err := Start(exec.Command("sh", "-c", "trap '' TERM; echo trapped; while :; do sleep 0.01; done"), log)
	if err != nil {
		t.Fatal(err)
	}
	if err := WaitFor(t.Context(), id, func(context.Context) error {
		if Tail(log, 1) != "trapped" {
			return errors.New("no trap yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := Stop(context.Background(), []Identity{id}, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if id.Alive() {
		t.Error("process ignoring SIGTERM survived")
	}
}

func TestWaitForExited(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	id, err := Start(exec.Command("sh", "-c", "echo boom; exit 3"), log)
	if err != nil {
		t.Fatal(err)
	}
	notYet := errors.New("not yet")
	err = WaitFor(context.Background(), id, func(context.Context) error { return notYet })
	if !errors.Is(err, ErrExited) || !errors.Is(err, notYet) {
		t.Errorf("WaitFor = %v, want ErrExited wrapping the check's error", err)
	}
	if got := Tail(log, 5); got != "boom" {
		t.Errorf("Tail = %q", got)
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	var b strings.Builder
	for i := range 5000 {
		b.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Tail(path, 2); got != "line 4998\nline 4999" {
		t.Errorf("Tail = %q", got)
	}
	if got := Tail(filepath.Join(t.TempDir(), "none"), 2); !strings.HasPrefix(got, "(no log") {
		t.Errorf("Tail of a missing file = %q", got)
	}
}
