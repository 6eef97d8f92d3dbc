package queue

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/export/retry"
)

// Config sizes the buffer and paces the retries.
type Config struct {
	// Size is how many records wait at most, not counting the batch in
	// flight; beyond it the oldest are dropped.
	Size int `yaml:"size"`
	// MaxBatch is how many records one delivery attempt carries at most.
	MaxBatch int          `yaml:"max_batch"`
	Retry    retry.Config `yaml:"retry"`
}

// DefaultConfig buffers 10000 records and sends up to 500 at a time.
func DefaultConfig() Config {
	return Config{Size: 10000, MaxBatch: 500, Retry: retry.DefaultConfig()}
}

// Flags registers the buffer and retry flags under prefix (e.g. "export-otlp").
func (c *Config) Flags(fs *pflag.FlagSet, prefix string) {
	fs.IntVar(&c.Size, prefix+"-queue-size", c.Size, "records buffered while the destination is slow or down; beyond this the oldest are dropped")
	fs.IntVar(&c.MaxBatch, prefix+"-max-batch", c.MaxBatch, "records per delivery attempt")
	c.Retry.Flags(fs, prefix)
}

// Validate rejects sizes and intervals the queue cannot work with.
func (c *Config) Validate() error {
	var errs []error
	if c.Size < 1 {
		errs = append(errs, fmt.Errorf("queue size %d must be positive", c.Size))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("max batch %d must be positive", c.MaxBatch))
	}
	if err := c.Retry.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
