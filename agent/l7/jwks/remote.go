package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/zeta-net/zeta/agent/l7/jwt"
)

// Remote defaults (see the package documentation).
const (
	DefaultRefresh    = 5 * time.Minute
	DefaultMinRefetch = 30 * time.Second
	DefaultMaxStale   = 12 * time.Hour
	DefaultTimeout    = 5 * time.Second
	maxBody           = 1 << 20
)

// ErrStale is returned once the last good set is older than MaxStale and
// no fetch has succeeded since.
var ErrStale = errors.New("jwks: last good key set expired")

// Remote is a key set served at an https URL. Zero durations mean the
// defaults.
type Remote struct {
	URL        string
	Client     *http.Client // nil: http.DefaultClient
	Refresh    time.Duration
	MinRefetch time.Duration
	MaxStale   time.Duration
	Timeout    time.Duration
	Now        func() time.Time

	fetching sync.Mutex // held by the one fetch in flight

	mu        sync.Mutex
	set       *jwt.KeySet
	fetched   time.Time // last successful fetch
	attempted time.Time // last fetch, successful or not
	err       error     // of the last fetch
}

// KeySet returns the current set, fetching it first if it is due (see the
// package documentation).
func (r *Remote) KeySet(ctx context.Context, kid string) (*jwt.KeySet, error) {
	now := r.now()
	if r.due(now, kid) {
		r.maybeFetch(ctx, kid)
		now = r.now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set != nil && now.Sub(r.fetched) > or(r.MaxStale, DefaultMaxStale) {
		r.set = nil
		r.err = fmt.Errorf("%w: fetched %s at %s, failing since: %w", ErrStale, r.URL, r.fetched.UTC().Format(time.RFC3339), r.err)
	}
	if r.set == nil {
		return nil, r.err
	}
	return r.set, nil
}

// due reports whether a fetch is wanted and allowed: the set is missing,
// old, or lacks kid, and the last attempt is MinRefetch ago.
func (r *Remote) due(now time.Time, kid string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	want := r.set == nil || now.Sub(r.fetched) >= or(r.Refresh, DefaultRefresh) || (kid != "" && !r.set.HasKeyID(kid))
	return want && (r.attempted.IsZero() || now.Sub(r.attempted) >= or(r.MinRefetch, DefaultMinRefetch))
}

// maybeFetch fetches unless another fetch runs; with no set in hand it
// waits for that one instead.
func (r *Remote) maybeFetch(ctx context.Context, kid string) {
	r.mu.Lock()
	have := r.set != nil
	r.mu.Unlock()
	if have {
		if !r.fetching.TryLock() {
			return
		}
	} else {
		r.fetching.Lock()
	}
	defer r.fetching.Unlock()
	if !r.due(r.now(), kid) { // the fetch we waited for did it
		return
	}
	set, err := r.fetch(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempted, r.err = r.now(), err
	if err == nil {
		r.set, r.fetched = set, r.attempted
	}
}

func (r *Remote) fetch(ctx context.Context) (*jwt.KeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, or(r.Timeout, DefaultTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", r.URL, err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	c := r.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks %s: status %s", r.URL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", r.URL, err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("fetch jwks %s: larger than %d bytes", r.URL, maxBody)
	}
	set, err := jwt.ParseKeySet(data)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", r.URL, err)
	}
	return set, nil
}

func (r *Remote) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
