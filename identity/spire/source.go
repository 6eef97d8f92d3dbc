package spire

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	delegatedidentityv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/agent/delegatedidentity/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/zeta-net/zeta/identity"
)

// ErrNoWorkload is returned by SVID for an ID that no SVID held and no
// workload given to SetWorkloads has.
var ErrNoWorkload = errors.New("no workload on this node has this SPIFFE ID")

// Source is the SPIRE-backed SVID source. Safe for concurrent use.
type Source struct {
	cfg     Config
	bundles identity.LiveBundles

	mu sync.Mutex
	// subs are the workload subscriptions by selector set.
	subs map[string]*subscription
	// changed is closed and replaced whenever SVIDs arrive.
	changed chan struct{}
	// bundleLive is true while the bundle stream is connected.
	bundleLive bool
	// run is set while Run is running; subscriptions start on it.
	run *runState
}

// subscription is one workload's SubscribeToX509SVIDs stream and what it
// last delivered.
type subscription struct {
	workload  identity.Workload
	selectors []Selector
	svids     []*x509svid.SVID
	cancel    context.CancelFunc // nil until started
}

type runState struct {
	ctx    context.Context
	client delegatedidentityv1.DelegatedIdentityClient
	wg     *sync.WaitGroup
}

var (
	_ identity.SVIDSource     = (*Source)(nil)
	_ identity.WorkloadSetter = (*Source)(nil)
)

// New returns a source for cfg; it connects when Run starts.
func New(cfg Config) (*Source, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Selectors == nil {
		cfg.Selectors = K8sSelectors
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, subs: map[string]*subscription{}, changed: make(chan struct{})}, nil
}

// SVID implements identity.SVIDSource: the held SVID for id with the
// latest expiry. While a workload with that ID is on the node but SPIRE
// has not delivered its SVID yet, it waits for it until ctx is done.
func (s *Source) SVID(ctx context.Context, id spiffeid.ID) (*x509svid.SVID, error) {
	for {
		s.mu.Lock()
		svid, pending := s.lookupLocked(id, time.Now())
		changed := s.changed
		s.mu.Unlock()
		if svid != nil {
			return svid, nil
		}
		if !pending {
			return nil, fmt.Errorf("svid for %s: %w", id, ErrNoWorkload)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("svid for %s: waiting for SPIRE: %w", id, ctx.Err())
		case <-changed:
		}
	}
}

// lookupLocked finds the unexpired SVID for id with the latest expiry and
// reports whether one may still come (a workload with that ID is known).
func (s *Source) lookupLocked(id spiffeid.ID, now time.Time) (best *x509svid.SVID, pending bool) {
	for _, sub := range s.subs {
		pending = pending || sub.workload.ID == id
		for _, sv := range sub.svids {
			leaf := sv.Certificates[0]
			if sv.ID != id || now.After(leaf.NotAfter) {
				continue
			}
			if best == nil || leaf.NotAfter.After(best.Certificates[0].NotAfter) {
				best = sv
			}
		}
	}
	return best, pending
}

// Bundles implements identity.SVIDSource: the last bundles SPIRE sent.
func (s *Source) Bundles() x509bundle.Source { return &s.bundles }

// Ready implements identity.SVIDSource: the bundle stream is connected
// and has delivered the local trust domain's bundle.
func (s *Source) Ready() bool {
	s.mu.Lock()
	live := s.bundleLive
	s.mu.Unlock()
	set := s.bundles.Set()
	return live && set != nil && set.Has(s.cfg.TrustDomain)
}

// Certificates implements identity.SVIDSource, sorted by SPIFFE ID then
// expiry; an SVID delivered to several workloads is listed once.
func (s *Source) Certificates() []identity.CertInfo {
	s.mu.Lock()
	seen := map[string]bool{}
	var out []identity.CertInfo
	for _, sub := range s.subs {
		for _, sv := range sub.svids {
			ci := identity.CertInfoOf(sv)
			if !seen[ci.Serial] {
				seen[ci.Serial] = true
				out = append(out, ci)
			}
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b identity.CertInfo) int {
		return cmp.Or(cmp.Compare(a.ID.String(), b.ID.String()), a.NotAfter.Compare(b.NotAfter))
	})
	return out
}

// SetWorkloads implements identity.WorkloadSetter: a subscription per
// distinct selector set, started at once if Run is running; those of
// workloads that left are closed and their SVIDs forgotten.
func (s *Source) SetWorkloads(ws []identity.Workload) {
	want := map[string]identity.Workload{}
	for _, w := range ws {
		want[key(s.cfg.Selectors(w))] = w
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sub := range s.subs {
		if _, ok := want[k]; !ok {
			if sub.cancel != nil {
				sub.cancel()
			}
			delete(s.subs, k)
		}
	}
	for k, w := range want {
		if sub, ok := s.subs[k]; ok {
			sub.workload = w
			continue
		}
		sub := &subscription{workload: w, selectors: s.cfg.Selectors(w)}
		s.subs[k] = sub
		if s.run != nil {
			s.startLocked(sub)
		}
	}
	s.notifyLocked()
}

// notifyLocked wakes SVID calls waiting for a change.
func (s *Source) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Source) startLocked(sub *subscription) {
	ctx, cancel := context.WithCancel(s.run.ctx)
	sub.cancel = cancel
	client := s.run.client
	s.run.wg.Go(func() { s.watchSVIDs(ctx, client, sub) })
}

// Run implements identity.SVIDSource: it connects to the admin socket and
// keeps the bundle stream and every workload's SVID stream open until ctx
// is done, then returns nil once they have all stopped.
func (s *Source) Run(ctx context.Context) error {
	conn, err := grpc.NewClient("unix://"+s.cfg.AdminSocket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("spire admin socket %s: %w", s.cfg.AdminSocket, err)
	}
	defer conn.Close()
	client := delegatedidentityv1.NewDelegatedIdentityClient(conn)
	var wg sync.WaitGroup
	s.mu.Lock()
	if s.run != nil {
		s.mu.Unlock()
		return errors.New("spire source: Run is already running")
	}
	s.run = &runState{ctx: ctx, client: client, wg: &wg}
	for _, sub := range s.subs {
		s.startLocked(sub)
	}
	s.mu.Unlock()
	wg.Go(func() { s.watchBundles(ctx, client) })

	<-ctx.Done()
	s.mu.Lock()
	s.run = nil
	s.mu.Unlock()
	wg.Wait()
	return nil
}
