package jwks

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/zeta-net/zeta/agent/l7/jwt"
)

// File is a key set in a file on the node. It is read on first use and
// again whenever the file's modification time or size changed, checked at
// most once per Interval; a file that vanished or no longer parses keeps
// the last good set, since a half-written file must not lock everyone
// out.
type File struct {
	Path string
	// Interval is the least time between two checks of the file; 0
	// checks on every use.
	Interval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	set     *jwt.KeySet
	err     error
	checked time.Time
	mod     time.Time
	size    int64
}

// KeySet returns the file's current set.
func (f *File) KeySet(context.Context, string) (*jwt.KeySet, error) {
	now := time.Now()
	if f.Now != nil {
		now = f.Now()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.set == nil || now.Sub(f.checked) >= f.Interval {
		f.checked = now
		f.reload()
	}
	if f.set == nil {
		return nil, f.err
	}
	return f.set, nil
}

func (f *File) reload() {
	fi, err := os.Stat(f.Path)
	if err != nil {
		f.err = fmt.Errorf("jwks file: %w", err)
		return
	}
	if f.set != nil && fi.ModTime().Equal(f.mod) && fi.Size() == f.size {
		return
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		f.err = fmt.Errorf("jwks file: %w", err)
		return
	}
	set, err := jwt.ParseKeySet(data)
	if err != nil {
		f.err = fmt.Errorf("jwks file %s: %w", f.Path, err)
		return
	}
	f.set, f.err, f.mod, f.size = set, nil, fi.ModTime(), fi.Size()
}
