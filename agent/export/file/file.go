package file

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/flow"
)

// Config configures a JSON-lines file exporter.
type Config struct {
	// Name identifies the exporter (default "file").
	Name string `yaml:"name"`
	Path string `yaml:"path"`
	// MaxSize is the size in bytes at which the file is rotated; 0 never rotates.
	MaxSize int64 `yaml:"max_size"`
	// MaxBackups is how many rotated files are kept; 0 keeps none.
	MaxBackups int `yaml:"max_backups"`
}

// DefaultConfig rotates at 100 MiB and keeps 5 old files.
func DefaultConfig() Config {
	return Config{Name: "file", MaxSize: 100 << 20, MaxBackups: 5}
}

// Flags registers the exporter's flags; it is enabled by --export-file-path.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Path, "export-file-path", c.Path, "export flows as JSON lines into this file; empty: off")
	fs.Int64Var(&c.MaxSize, "export-file-max-size", c.MaxSize, "rotate the flow file at this many bytes (0: never)")
	fs.IntVar(&c.MaxBackups, "export-file-max-backups", c.MaxBackups, "rotated flow files to keep")
}

// Validate rejects a configuration the exporter cannot run with.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("file path is empty"))
	}
	if c.MaxSize < 0 || c.MaxBackups < 0 {
		errs = append(errs, fmt.Errorf("file max_size %d and max_backups %d must not be negative", c.MaxSize, c.MaxBackups))
	}
	return errors.Join(errs...)
}

// Exporter appends records to a rotated file.
type Exporter struct {
	cfg Config

	mu     sync.Mutex
	f      *os.File
	size   int64
	buf    bytes.Buffer
	closed bool

	exported, dropped atomic.Uint64
}

var _ export.Exporter = (*Exporter)(nil)

// New opens (or creates) the file for appending.
func New(cfg Config) (*Exporter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("file exporter %s: %w", cfg.Name, err)
	}
	e := &Exporter{cfg: cfg}
	if err := e.open(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Exporter) open() error {
	f, err := os.OpenFile(e.cfg.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open flow file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("open flow file: %w", err)
	}
	e.f, e.size = f, st.Size()
	return nil
}

// Name implements export.Exporter.
func (e *Exporter) Name() string { return e.cfg.Name }

// Export appends the batch, rotating first if it would not fit.
func (e *Exporter) Export(_ context.Context, batch []*flow.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		e.dropped.Add(uint64(len(batch)))
		return fmt.Errorf("file export: %w", export.ErrClosed)
	}
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	for _, r := range batch {
		if err := enc.Encode(r); err != nil {
			e.dropped.Add(uint64(len(batch)))
			return fmt.Errorf("file export: encode record: %w", err)
		}
	}
	var rotateErr error
	if e.f != nil && e.cfg.MaxSize > 0 && e.size > 0 && e.size+int64(e.buf.Len()) > e.cfg.MaxSize {
		rotateErr = e.rotate()
	}
	if e.f == nil {
		if err := e.open(); err != nil {
			e.dropped.Add(uint64(len(batch)))
			return errors.Join(rotateErr, fmt.Errorf("file export: %w", err))
		}
	}
	n, err := e.f.Write(e.buf.Bytes())
	e.size += int64(n)
	if err != nil {
		e.dropped.Add(uint64(len(batch)))
		return errors.Join(rotateErr, fmt.Errorf("file export: write %s: %w", e.cfg.Path, err))
	}
	e.exported.Add(uint64(len(batch)))
	return rotateErr // the batch is written, but the file grows past its limit
}

// rotate shifts path.N-1 to path.N ... path to path.1, dropping the
// oldest, and starts a new file. If it cannot open one, e.f is nil and
// the next Export tries again.
func (e *Exporter) rotate() error {
	err := errors.Join(e.f.Close(), e.shift())
	e.f = nil
	if oerr := e.open(); oerr != nil {
		err = errors.Join(err, oerr)
	}
	if err != nil {
		return fmt.Errorf("rotate flow file: %w", err)
	}
	return nil
}

func (e *Exporter) shift() error {
	if e.cfg.MaxBackups == 0 {
		return ignoreMissing(os.Remove(e.cfg.Path))
	}
	backup := func(n int) string { return e.cfg.Path + "." + strconv.Itoa(n) }
	if err := ignoreMissing(os.Remove(backup(e.cfg.MaxBackups))); err != nil {
		return err
	}
	for n := e.cfg.MaxBackups - 1; n >= 1; n-- {
		if err := ignoreMissing(os.Rename(backup(n), backup(n+1))); err != nil {
			return err
		}
	}
	return os.Rename(e.cfg.Path, backup(1))
}

func ignoreMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Close closes the file.
func (e *Exporter) Close(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.f == nil {
		return nil
	}
	if err := e.f.Close(); err != nil {
		return fmt.Errorf("close flow file: %w", err)
	}
	return nil
}

// Stats reports the exporter's counters; it has no queue and no retries.
func (e *Exporter) Stats() export.Stats {
	return export.Stats{Exported: e.exported.Load(), Dropped: e.dropped.Load()}
}
