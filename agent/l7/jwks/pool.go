package jwks

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/zeta-net/zeta/agent/l7/jwt"
)

// Pool hands out one source per distinct key set, kept for the pool's
// life: an inline set by its text, a file by its path, a URL by itself.
// It is safe for concurrent use.
type Pool struct {
	// Client fetches Remote sets; Now is every source's clock.
	Client *http.Client
	Now    func() time.Time
	// Remote is the template of Remote sources' durations.
	Remote Remote
	// FileInterval is File.Interval.
	FileInterval time.Duration

	mu      sync.Mutex
	sources map[string]jwt.KeySource
}

// Source returns the source of the one of jwks (inline), file and uri
// that is set.
func (p *Pool) Source(jwks, file, uri string) (jwt.KeySource, error) {
	var key string
	switch {
	case jwks != "":
		key = "inline\x00" + jwks
	case file != "":
		key = "file\x00" + file
	case uri != "":
		key = "uri\x00" + uri
	default:
		return nil, fmt.Errorf("key source: none of jwks, jwksFile, jwksUri")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.sources[key]; ok {
		return s, nil
	}
	var s jwt.KeySource
	switch {
	case jwks != "":
		st, err := NewStatic([]byte(jwks))
		if err != nil {
			return nil, err
		}
		s = st
	case file != "":
		s = &File{Path: file, Interval: p.FileInterval, Now: p.Now}
	default:
		s = &Remote{URL: uri, Client: p.Client, Now: p.Now, Refresh: p.Remote.Refresh,
			MinRefetch: p.Remote.MinRefetch, MaxStale: p.Remote.MaxStale, Timeout: p.Remote.Timeout}
	}
	if p.sources == nil {
		p.sources = map[string]jwt.KeySource{}
	}
	p.sources[key] = s
	return s, nil
}
