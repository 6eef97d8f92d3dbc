package flow

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"
)

// Config sizes the pipeline's buffers.
type Config struct {
	// Buffer is how many of the latest records the pipeline keeps in
	// memory for observers asking for history (--last, --since).
	Buffer int
	// Queue is the length of each consumer's queue: records published
	// but not yet taken by an exporter or subscriber. A full queue drops
	// its oldest record.
	Queue int
	// Batch is the most records an exporter receives in one Export call.
	Batch int
}

// DefaultConfig is the embedded default.
func DefaultConfig() Config {
	return Config{Buffer: 4096, Queue: 2048, Batch: 256}
}

// Flags registers the configuration's flags.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.IntVar(&c.Buffer, "flow-buffer", c.Buffer, "flow records kept in memory for observers' history (--last, --since)")
	fs.IntVar(&c.Queue, "flow-queue", c.Queue, "flow records each exporter or subscriber may have waiting; beyond it the oldest are dropped")
}

// Validate rejects sizes the pipeline cannot work with.
func (c Config) Validate() error {
	var errs []error
	if c.Buffer < 1 {
		errs = append(errs, fmt.Errorf("flow-buffer %d must be at least 1", c.Buffer))
	}
	if c.Queue < 1 {
		errs = append(errs, fmt.Errorf("flow-queue %d must be at least 1", c.Queue))
	}
	if c.Batch < 1 {
		errs = append(errs, errors.New("flow batch size must be at least 1"))
	}
	return errors.Join(errs...)
}
