package spire

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	delegatedidentityv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/agent/delegatedidentity/v1"
	"github.com/spiffe/spire-api-sdk/proto/spire/api/types"
)

// watchBundles keeps the bundle stream open and stores each bundle set.
func (s *Source) watchBundles(ctx context.Context, client delegatedidentityv1.DelegatedIdentityClient) {
	s.reconnect(ctx, "bundles", func(received func()) error {
		stream, err := client.SubscribeToX509Bundles(ctx, &delegatedidentityv1.SubscribeToX509BundlesRequest{})
		if err != nil {
			return err
		}
		defer s.setBundleLive(false)
		for {
			resp, err := stream.Recv()
			if err != nil {
				return err
			}
			set, err := parseBundles(resp.GetCaCertificates())
			if err != nil {
				// A bad set replaces nothing: the last good one stays.
				s.cfg.Log.Error("SPIRE sent an unusable bundle set", "error", err)
				continue
			}
			s.bundles.Store(set)
			s.setBundleLive(true)
			received()
		}
	})
}

func (s *Source) setBundleLive(live bool) {
	s.mu.Lock()
	s.bundleLive = live
	s.mu.Unlock()
}

// watchSVIDs keeps sub's stream open and stores what it delivers.
func (s *Source) watchSVIDs(ctx context.Context, client delegatedidentityv1.DelegatedIdentityClient, sub *subscription) {
	req := &delegatedidentityv1.SubscribeToX509SVIDsRequest{}
	for _, sel := range sub.selectors {
		req.Selectors = append(req.Selectors, &types.Selector{Type: sel.Type, Value: sel.Value})
	}
	s.reconnect(ctx, "svids "+key(sub.selectors), func(received func()) error {
		stream, err := client.SubscribeToX509SVIDs(ctx, req)
		if err != nil {
			return err
		}
		for {
			resp, err := stream.Recv()
			if err != nil {
				return err
			}
			var svids []*x509svid.SVID
			for _, in := range resp.GetX509Svids() {
				sv, err := parseSVID(in)
				if err != nil {
					s.cfg.Log.Error("SPIRE sent an unusable SVID", "error", err)
					continue
				}
				svids = append(svids, sv)
			}
			s.mu.Lock()
			sub.svids = svids
			s.notifyLocked()
			s.mu.Unlock()
			received()
		}
	})
}

// reconnect runs open until ctx is done, waiting between attempts with
// exponential backoff that restarts once a stream delivers.
func (s *Source) reconnect(ctx context.Context, what string, open func(received func()) error) {
	wait := s.cfg.MinBackoff
	for {
		err := open(func() { wait = s.cfg.MinBackoff })
		if ctx.Err() != nil {
			return
		}
		s.cfg.Log.Warn("SPIRE stream ended; reconnecting", "stream", what, "socket", s.cfg.AdminSocket, "retry_in", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, s.cfg.MaxBackoff)
	}
}

func parseSVID(in *delegatedidentityv1.X509SVIDWithKey) (*x509svid.SVID, error) {
	pb := in.GetX509Svid()
	// ParseRaw checks what the TLS stack will rely on: a leaf with one
	// SPIFFE ID and a key that matches it.
	svid, err := x509svid.ParseRaw(slices.Concat(pb.GetCertChain()...), in.GetX509SvidKey())
	if err != nil {
		return nil, fmt.Errorf("parse SVID for spiffe://%s%s: %w", pb.GetId().GetTrustDomain(), pb.GetId().GetPath(), err)
	}
	svid.Hint = pb.GetHint()
	return svid, nil
}

func parseBundles(caCerts map[string][]byte) (*x509bundle.Set, error) {
	set := x509bundle.NewSet()
	for name, der := range caCerts {
		td, err := spiffeid.TrustDomainFromString(name)
		if err != nil {
			return nil, fmt.Errorf("bundle of %q: %w", name, err)
		}
		certs, err := x509.ParseCertificates(der)
		if err != nil {
			return nil, fmt.Errorf("bundle of %s: %w", td, err)
		}
		set.Add(x509bundle.FromX509Authorities(td, certs))
	}
	return set, nil
}
