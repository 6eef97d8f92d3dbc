package builtinca

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/zeta-net/zeta/identity"
)

// CA is the built-in SVID source. Safe for concurrent use.
type CA struct {
	cfg     Config
	bundles identity.LiveBundles
	// wake asks Run to issue ahead for new workloads now.
	wake chan struct{}

	mu          sync.Mutex
	auth        *authority
	fingerprint [sha256.Size]byte
	revoked     map[spiffeid.ID]struct{}
	svids       map[spiffeid.ID]*held
	// workloads is the node's workload IDs; nil until SetWorkloads.
	workloads map[spiffeid.ID]struct{}
}

// held is an issued SVID and when to replace it.
type held struct {
	svid     *x509svid.SVID
	rotateAt time.Time
}

var (
	_ identity.SVIDSource     = (*CA)(nil)
	_ identity.WorkloadSetter = (*CA)(nil)
	_ identity.Revocations    = (*CA)(nil)
)

// New loads the CA directory, creating a self-signed root in it if it has
// none.
func New(cfg Config) (*CA, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if err := ensureRoot(cfg.Dir, cfg.TrustDomain, cfg.RootTTL, cfg.Now()); err != nil {
		return nil, fmt.Errorf("built-in ca %s: %w", cfg.Dir, err)
	}
	ca := &CA{cfg: cfg, wake: make(chan struct{}, 1), svids: map[spiffeid.ID]*held{}}
	if err := ca.Reload(); err != nil {
		return nil, err
	}
	return ca, nil
}

// Reload rereads the CA directory if its files changed. A changed signer
// drops every held SVID, so the next use gets one peers that trust the new
// root accept; newly revoked IDs lose theirs. On error the CA keeps its
// previous state.
func (ca *CA) Reload() error {
	fp, err := fingerprint(ca.cfg.Dir)
	if err != nil {
		return fmt.Errorf("built-in ca %s: %w", ca.cfg.Dir, err)
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.auth != nil && fp == ca.fingerprint {
		return nil
	}
	auth, err := loadAuthority(ca.cfg.Dir, ca.cfg.TrustDomain, ca.cfg.Now())
	if err != nil {
		return fmt.Errorf("built-in ca %s: %w", ca.cfg.Dir, err)
	}
	revoked, err := readRevoked(ca.cfg.Dir)
	if err != nil {
		return fmt.Errorf("built-in ca %s: %w", ca.cfg.Dir, err)
	}
	if !auth.sameSigner(ca.auth) {
		if ca.auth != nil {
			ca.cfg.Log.Info("CA signer changed; reissuing SVIDs", "signer", auth.signer.Subject.String(), "roots", len(auth.roots))
		}
		clear(ca.svids)
	}
	for id := range revoked {
		delete(ca.svids, id)
	}
	ca.auth, ca.fingerprint, ca.revoked = auth, fp, revoked
	ca.bundles.Store(auth.bundle(ca.cfg.TrustDomain))
	return nil
}

// SVID implements identity.SVIDSource. Issuance is local, so ctx is not
// consulted.
func (ca *CA) SVID(_ context.Context, id spiffeid.ID) (*x509svid.SVID, error) {
	if !id.MemberOf(ca.cfg.TrustDomain) {
		return nil, fmt.Errorf("svid for %s: not in trust domain %s", id, ca.cfg.TrustDomain)
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if _, ok := ca.revoked[id]; ok {
		return nil, fmt.Errorf("svid for %s: %w", id, ErrRevoked)
	}
	now := ca.cfg.Now()
	if h, ok := ca.svids[id]; ok && now.Before(h.rotateAt) {
		return h.svid, nil
	}
	h, err := ca.issueLocked(id, now)
	if err != nil {
		return nil, err
	}
	return h.svid, nil
}

func (ca *CA) issueLocked(id spiffeid.ID, now time.Time) (*held, error) {
	svid, err := ca.auth.issue(id, ca.cfg.SVIDTTL, now)
	if err != nil {
		return nil, err
	}
	h := &held{svid: svid, rotateAt: now.Add(svid.Certificates[0].NotAfter.Sub(now) / 2)}
	ca.svids[id] = h
	return h, nil
}

// Bundles implements identity.SVIDSource: the roots of RootCertFile, as
// of the last reload.
func (ca *CA) Bundles() x509bundle.Source { return &ca.bundles }

// Ready implements identity.SVIDSource: the signer is loaded and valid.
func (ca *CA) Ready() bool {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	return ca.auth != nil && ca.cfg.Now().Before(ca.auth.signer.NotAfter)
}

// Certificates implements identity.SVIDSource, sorted by SPIFFE ID.
func (ca *CA) Certificates() []identity.CertInfo {
	ca.mu.Lock()
	out := make([]identity.CertInfo, 0, len(ca.svids))
	for _, h := range ca.svids {
		out = append(out, identity.CertInfoOf(h.svid))
	}
	ca.mu.Unlock()
	slices.SortFunc(out, func(a, b identity.CertInfo) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
	return out
}

// SetWorkloads implements identity.WorkloadSetter: SVIDs of IDs no longer
// on the node are dropped, and Run issues ahead for new ones.
func (ca *CA) SetWorkloads(ws []identity.Workload) {
	ids := make(map[spiffeid.ID]struct{}, len(ws))
	for _, w := range ws {
		ids[w.ID] = struct{}{}
	}
	ca.mu.Lock()
	ca.workloads = ids
	for id := range ca.svids {
		if _, ok := ids[id]; !ok {
			delete(ca.svids, id)
		}
	}
	ca.mu.Unlock()
	select {
	case ca.wake <- struct{}{}:
	default:
	}
}

// Revoked implements identity.Revocations.
func (ca *CA) Revoked(id spiffeid.ID) bool {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	_, ok := ca.revoked[id]
	return ok
}

// RevokeID adds id to the directory's deny list, which every agent
// sharing the directory picks up at its next poll, and applies it here at
// once: SVID refuses id and its held SVID is dropped.
func (ca *CA) RevokeID(id spiffeid.ID) error {
	if err := appendRevoked(ca.cfg.Dir, id); err != nil {
		return fmt.Errorf("revoke %s: %w", id, err)
	}
	return ca.Reload()
}

// Run implements identity.SVIDSource: every poll interval it reloads the
// directory and replaces SVIDs past half-life, and it issues ahead for
// workloads as SetWorkloads announces them. A failed reload is logged and
// the CA keeps its last good state. It returns nil when ctx is done.
func (ca *CA) Run(ctx context.Context) error {
	tick := time.NewTicker(ca.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := ca.Reload(); err != nil {
				ca.cfg.Log.Error("reload CA directory; keeping the last good CA", "error", err)
			}
		case <-ca.wake:
		}
		ca.refresh()
	}
}

// refresh replaces held SVIDs past half-life and issues for workloads
// that have none, so that handshakes rarely wait for a signature.
func (ca *CA) refresh() {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	now := ca.cfg.Now()
	for id, h := range ca.svids {
		if now.Before(h.rotateAt) {
			continue
		}
		if _, err := ca.issueLocked(id, now); err != nil {
			ca.cfg.Log.Error("rotate SVID", "spiffe_id", id.String(), "error", err)
		}
	}
	for id := range ca.workloads {
		if _, ok := ca.svids[id]; ok || !id.MemberOf(ca.cfg.TrustDomain) {
			continue
		}
		if _, revoked := ca.revoked[id]; revoked {
			continue
		}
		if _, err := ca.issueLocked(id, now); err != nil {
			ca.cfg.Log.Error("issue SVID", "spiffe_id", id.String(), "error", err)
		}
	}
}
