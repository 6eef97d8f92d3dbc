package proc

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"time"
)

// killWait bounds the wait for a process to go after SIGKILL.
const killWait = 5 * time.Second

// Stop sends SIGTERM to those of ids that still run, SIGKILL to those still
// running after grace, and waits for them to go.
func Stop(ctx context.Context, ids []Identity, grace time.Duration) error {
	signal(ids, syscall.SIGTERM)
	if waitGone(ctx, ids, grace) {
		return nil
	}
	signal(ids, syscall.SIGKILL)
	if waitGone(ctx, ids, killWait) {
		return nil
	}
	return fmt.Errorf("stop processes: %v still running", alive(ids))
}

func signal(ids []Identity, sig syscall.Signal) {
	for _, id := range alive(ids) {
		_ = syscall.Kill(id.PID, sig) // it may have just gone
	}
}

func alive(ids []Identity) []Identity {
	return slices.DeleteFunc(slices.Clone(ids), func(id Identity) bool { return !id.Alive() })
}

func waitGone(ctx context.Context, ids []Identity, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(alive(ids)) > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}
