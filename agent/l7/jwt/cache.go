package jwt

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// Cache remembers tokens that verified, by provider and the token's
// SHA-256 (the token itself is not kept), for at most MaxAge and never
// past the token's exp plus its provider's skew; beyond Size entries the
// least recently used goes. A key removed from a provider's set stops
// verifying new tokens at once and cached ones within MaxAge.
type Cache struct {
	size   int
	maxAge time.Duration

	mu      sync.Mutex
	entries map[cacheKey]*list.Element
	lru     list.List // of *cacheEntry, most recent first
}

// Cache defaults.
const (
	DefaultCacheSize   = 10000
	DefaultCacheMaxAge = 5 * time.Minute
)

type cacheKey struct {
	// p is the provider the token verified for: a provider is rebuilt
	// with its policy, so a changed policy never finds old entries.
	p    *Provider
	hash [sha256.Size]byte
}

type cacheEntry struct {
	key    cacheKey
	claims *Claims
	until  time.Time
}

// NewCache returns a cache of at most size tokens (0: DefaultCacheSize)
// each kept at most maxAge (0: DefaultCacheMaxAge).
func NewCache(size int, maxAge time.Duration) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	if maxAge <= 0 {
		maxAge = DefaultCacheMaxAge
	}
	return &Cache{size: size, maxAge: maxAge, entries: map[cacheKey]*list.Element{}}
}

// Len returns the number of cached tokens.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *Cache) get(p *Provider, token string, now time.Time) (*Claims, bool) {
	k := cacheKey{p: p, hash: sha256.Sum256([]byte(token))}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.until) {
		c.lru.Remove(el)
		delete(c.entries, k)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e.claims, true
}

func (c *Cache) put(p *Provider, token string, claims *Claims, now time.Time) {
	until := now.Add(c.maxAge)
	if !claims.Expiry.IsZero() {
		until = minTime(until, claims.Expiry.Add(p.ClockSkew))
	}
	k := cacheKey{p: p, hash: sha256.Sum256([]byte(token))}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		el.Value.(*cacheEntry).until = until
		c.lru.MoveToFront(el)
		return
	}
	for len(c.entries) >= c.size {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).key)
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, claims: claims, until: until})
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
