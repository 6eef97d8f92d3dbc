package retry

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	c := Config{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, Jitter: 0.5}
	for _, tc := range []struct {
		n    int
		u    float64
		want time.Duration
	}{
		{0, 0.5, 100 * time.Millisecond},
		{1, 0.5, 200 * time.Millisecond},
		{3, 0.5, 800 * time.Millisecond},
		{4, 0.5, time.Second}, // capped
		{1000, 0.5, time.Second},
		{0, 0, 50 * time.Millisecond},              // -50%
		{0, 0.999999, 149999900 * time.Nanosecond}, // just under +50%
		{4, 0, 500 * time.Millisecond},             // jitter applies after the cap
	} {
		if got := c.Delay(tc.n, tc.u); got.Round(100*time.Nanosecond) != tc.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tc.n, tc.u, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	d := DefaultConfig()
	if err := d.Validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	for _, bad := range []Config{
		{Initial: 0, Max: time.Second, Multiplier: 2},
		{Initial: time.Second, Max: time.Millisecond, Multiplier: 2},
		{Initial: time.Second, Max: time.Second, Multiplier: 0.5},
		{Initial: time.Second, Max: time.Second, Multiplier: 2, Jitter: 1.5},
		{Initial: time.Second, Max: time.Second, Multiplier: 2, MaxElapsed: -1},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("bad request")
	err := fmt.Errorf("send: %w", Permanent(base))
	if !IsPermanent(err) || !errors.Is(err, base) {
		t.Errorf("IsPermanent(%v) = false or lost the cause", err)
	}
	if IsPermanent(base) || IsPermanent(nil) || Permanent(nil) != nil {
		t.Error("unmarked errors are not permanent")
	}
}
