package jwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/zeta-net/zeta/agent/l7/internal/jwttest"
	"github.com/zeta-net/zeta/agent/l7/jwt"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func setOf(t *testing.T, keys map[string]*ecdsa.PrivateKey) []byte {
	t.Helper()
	var s jose.JSONWebKeySet
	for kid, k := range keys {
		s.Keys = append(s.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"})
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func token(t *testing.T, k *ecdsa.PrivateKey, kid string) string {
	t.Helper()
	return jwttest.Sign(t, jose.ES256, k, kid, map[string]any{"iss": "https://idp", "sub": "alice"})
}

// issuer is a JWKS endpoint over HTTPS whose set and health the test
// changes.
type issuer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	body    []byte
	down    bool
	fetches atomic.Int32
}

func newIssuer(t *testing.T, body []byte) *issuer {
	is := &issuer{body: body}
	is.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		is.fetches.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		if is.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(is.body)
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) set(body []byte, down bool) {
	is.mu.Lock()
	is.body, is.down = body, down
	is.mu.Unlock()
}

// verify verifies a token of kid signed with k against src.
func verify(t *testing.T, src jwt.KeySource, now func() time.Time, k *ecdsa.PrivateKey, kid string) error {
	t.Helper()
	v := &jwt.Verifier{Now: now}
	_, err := v.Verify(context.Background(), &jwt.Provider{Issuer: "https://idp", Keys: src}, token(t, k, kid))
	return err
}

func TestRemoteRotation(t *testing.T) {
	a, b := newKey(t), newKey(t)
	is := newIssuer(t, setOf(t, map[string]*ecdsa.PrivateKey{"a": a}))
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	r := &Remote{URL: is.srv.URL + "/jwks", Client: is.srv.Client(), Now: clk.Now, Refresh: time.Hour, MinRefetch: 30 * time.Second}

	if err := verify(t, r, clk.Now, a, "a"); err != nil {
		t.Fatalf("key a: %v", err)
	}
	// A new key appears: its unknown kid triggers a fetch...
	is.set(setOf(t, map[string]*ecdsa.PrivateKey{"a": a, "b": b}), false)
	clk.Add(31 * time.Second)
	if err := verify(t, r, clk.Now, b, "b"); err != nil {
		t.Fatalf("new key b: %v", err)
	}
	if n := is.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	// ...rate limited: unknown kids within MinRefetch fetch nothing.
	for range 5 {
		if err := verify(t, r, clk.Now, b, "c"); !errors.Is(err, jwt.ErrNoKey) {
			t.Fatalf("unknown kid c: %v", err)
		}
	}
	if n := is.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after unknown kids, want 2 (rate limited)", n)
	}
	// The old key disappears: gone at the next refresh.
	is.set(setOf(t, map[string]*ecdsa.PrivateKey{"b": b}), false)
	if err := verify(t, r, clk.Now, a, "a"); err != nil {
		t.Fatalf("key a before refresh: %v", err)
	}
	clk.Add(time.Hour)
	if err := verify(t, r, clk.Now, a, "a"); !errors.Is(err, jwt.ErrNoKey) {
		t.Fatalf("key a after refresh: %v, want ErrNoKey", err)
	}
	if err := verify(t, r, clk.Now, b, "b"); err != nil {
		t.Fatalf("key b after refresh: %v", err)
	}
}

func TestRemoteIssuerDown(t *testing.T) {
	a := newKey(t)
	is := newIssuer(t, setOf(t, map[string]*ecdsa.PrivateKey{"a": a}))
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	r := &Remote{URL: is.srv.URL, Client: is.srv.Client(), Now: clk.Now, Refresh: 5 * time.Minute, MinRefetch: time.Minute, MaxStale: time.Hour}
	if err := verify(t, r, clk.Now, a, "a"); err != nil {
		t.Fatal(err)
	}
	is.set(nil, true)
	// Down: the last good set keeps verifying, with fetches rate limited.
	for range 11 {
		clk.Add(5 * time.Minute)
		if err := verify(t, r, clk.Now, a, "a"); err != nil {
			t.Fatalf("while down, at %s: %v", clk.Now(), err)
		}
	}
	if n := is.fetches.Load(); n != 12 {
		t.Fatalf("%d fetches, want 12", n)
	}
	// Past MaxStale the set is dropped.
	clk.Add(6 * time.Minute)
	err := verify(t, r, clk.Now, a, "a")
	if !errors.Is(err, jwt.ErrKeys) || !errors.Is(err, ErrStale) {
		t.Fatalf("after MaxStale: %v, want ErrStale", err)
	}
	// Back up: verifying again after MinRefetch.
	is.set(setOf(t, map[string]*ecdsa.PrivateKey{"a": a}), false)
	clk.Add(time.Minute)
	if err := verify(t, r, clk.Now, a, "a"); err != nil {
		t.Fatalf("issuer back: %v", err)
	}
}

func TestRemoteFirstFetchFails(t *testing.T) {
	is := newIssuer(t, []byte(`{"keys": 1}`))
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	r := &Remote{URL: is.srv.URL, Client: is.srv.Client(), Now: clk.Now}
	for range 3 {
		if _, err := r.KeySet(context.Background(), "x"); err == nil {
			t.Fatal("a bad set was accepted")
		}
	}
	if n := is.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1 (rate limited)", n)
	}
	// A server whose certificate is not trusted is an error too.
	r2 := &Remote{URL: is.srv.URL, Now: clk.Now}
	if _, err := r2.KeySet(context.Background(), ""); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
}

func TestFileReload(t *testing.T) {
	a, b := newKey(t), newKey(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	write := func(data []byte, mod time.Time) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Unix(1_800_000_000, 0)
	write(setOf(t, map[string]*ecdsa.PrivateKey{"a": a}), base)
	f := &File{Path: path}
	if err := verify(t, f, nil, a, "a"); err != nil {
		t.Fatal(err)
	}
	write(setOf(t, map[string]*ecdsa.PrivateKey{"b": b}), base.Add(time.Second))
	if err := verify(t, f, nil, b, "b"); err != nil {
		t.Fatalf("after change: %v", err)
	}
	if err := verify(t, f, nil, a, "a"); !errors.Is(err, jwt.ErrNoKey) {
		t.Fatalf("removed key: %v", err)
	}
	// A broken or missing file keeps the last good set.
	write([]byte("{"), base.Add(2*time.Second))
	if err := verify(t, f, nil, b, "b"); err != nil {
		t.Fatalf("broken file: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := verify(t, f, nil, b, "b"); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := (&File{Path: path}).KeySet(context.Background(), ""); err == nil {
		t.Fatal("missing file without a last good set accepted")
	}
}

func TestPoolShares(t *testing.T) {
	var p Pool
	s1, err := p.Source("", "", "https://idp/jwks")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := p.Source("", "", "https://idp/jwks")
	s3, _ := p.Source("", "/etc/jwks", "")
	if s1 != s2 || s1 == s3 {
		t.Fatal("pool does not share sources by set")
	}
	if _, err := p.Source(`{"keys":`, "", ""); err == nil {
		t.Fatal("bad inline set accepted")
	}
	if _, err := p.Source("", "", ""); err == nil {
		t.Fatal("no set accepted")
	}
}

// TestRemoteConcurrentFirstUse: requests racing for a fresh source wait
// for one fetch.
func TestRemoteConcurrentFirstUse(t *testing.T) {
	a := newKey(t)
	is := newIssuer(t, setOf(t, map[string]*ecdsa.PrivateKey{"a": a}))
	r := &Remote{URL: is.srv.URL, Client: is.srv.Client()}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if err := verify(t, r, nil, a, "a"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := is.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}
