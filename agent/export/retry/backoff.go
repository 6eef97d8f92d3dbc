package retry

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/spf13/pflag"
)

// Config is an exponential backoff: the n-th retry (from 0) waits
// Initial*Multiplier^n, at most Max, scaled by a random factor in
// [1-Jitter, 1+Jitter].
type Config struct {
	Initial    time.Duration `yaml:"initial_interval"`
	Max        time.Duration `yaml:"max_interval"`
	Multiplier float64       `yaml:"multiplier"`
	Jitter     float64       `yaml:"jitter"`
	// MaxElapsed gives up on a batch this long after its first attempt;
	// 0 keeps retrying until it is delivered or the exporter closes,
	// relying on the bounded buffer to shed load.
	MaxElapsed time.Duration `yaml:"max_elapsed"`
}

// DefaultConfig retries after 250ms, 500ms, 1s, ... up to 30s, ±20%.
func DefaultConfig() Config {
	return Config{Initial: 250 * time.Millisecond, Max: 30 * time.Second, Multiplier: 2, Jitter: 0.2}
}

// Flags registers the retry flags under prefix (e.g. "export-otlp").
func (c *Config) Flags(fs *pflag.FlagSet, prefix string) {
	fs.DurationVar(&c.Initial, prefix+"-retry-initial", c.Initial, "wait before the first retry of a failed delivery")
	fs.DurationVar(&c.Max, prefix+"-retry-max", c.Max, "longest wait between retries")
	fs.DurationVar(&c.MaxElapsed, prefix+"-retry-max-elapsed", c.MaxElapsed, "give up on a batch after this long (0: retry until delivered or closed)")
}

// Validate rejects values that make no backoff.
func (c *Config) Validate() error {
	var errs []error
	if c.Initial <= 0 || c.Max < c.Initial {
		errs = append(errs, fmt.Errorf("retry intervals: initial %v must be positive and at most max %v", c.Initial, c.Max))
	}
	if c.Multiplier < 1 {
		errs = append(errs, fmt.Errorf("retry multiplier %v is below 1", c.Multiplier))
	}
	if c.Jitter < 0 || c.Jitter > 1 {
		errs = append(errs, fmt.Errorf("retry jitter %v is not within [0, 1]", c.Jitter))
	}
	if c.MaxElapsed < 0 {
		errs = append(errs, fmt.Errorf("retry max elapsed %v is negative", c.MaxElapsed))
	}
	return errors.Join(errs...)
}

// Delay is the wait before retry n (from 0); u is uniform in [0, 1).
func (c *Config) Delay(n int, u float64) time.Duration {
	d := float64(c.Initial) * math.Pow(c.Multiplier, float64(n))
	if d > float64(c.Max) || math.IsInf(d, 0) {
		d = float64(c.Max)
	}
	d *= 1 + c.Jitter*(2*u-1)
	return time.Duration(d)
}
