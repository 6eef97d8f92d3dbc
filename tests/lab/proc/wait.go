package proc

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrExited is returned by WaitFor when the process ended first.
var ErrExited = errors.New("process exited")

// WaitFor calls check every 50ms until it succeeds, the process id is gone
// (ErrExited) or ctx is done. Errors wrap check's last error.
func WaitFor(ctx context.Context, id Identity, check func(context.Context) error) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		if !id.Alive() {
			return fmt.Errorf("%w (pid %d): %w", ErrExited, id.PID, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ctx.Err(), err)
		case <-tick.C:
		}
	}
}
