package spire_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/zeta-net/zeta/identity"
	"github.com/zeta-net/zeta/identity/spire"
)

// TestDelegatedIdentity runs a real spire-server and spire-agent: the
// test process is the agent's authorized delegate and fetches SVIDs for
// two workloads by their selectors, sees a 30 s SVID rotate, keeps its
// last SVIDs while the SPIRE agent is down and reconnects when it is back.
func TestDelegatedIdentity(t *testing.T) {
	const td = "zeta.test"
	apiID := spiffeid.RequireFromString("spiffe://zeta.test/ns/prod/sa/api")
	webID := spiffeid.RequireFromString("spiffe://zeta.test/ns/prod/sa/web")
	env := startSPIRE(t, td, "spiffe://zeta.test/zeta-agent", func(e *spireEnv) {
		// The unix attestor stands in for k8s here: each "pod" is a uid.
		e.createEntry(apiID.String(), "-selector", "unix:uid:4001")
		e.createEntry(webID.String(), "-selector", "unix:uid:4002", "-x509SVIDTTL", "30")
	})

	cfg := spire.DefaultConfig()
	cfg.AdminSocket = env.adminSock
	cfg.TrustDomain = spiffeid.RequireTrustDomainFromString(td)
	cfg.MinBackoff, cfg.MaxBackoff = 100*time.Millisecond, time.Second
	cfg.Selectors = func(w identity.Workload) []spire.Selector {
		return []spire.Selector{{Type: "unix", Value: "uid:" + w.Labels["uid"]}}
	}
	cfg.Log = slog.New(slog.NewTextHandler(t.Output(), nil))
	src, err := spire.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.SetWorkloads([]identity.Workload{
		{ID: apiID, Namespace: "prod", ServiceAccount: "api", PodName: "api-0", Labels: map[string]string{"uid": "4001"}},
		{ID: webID, Namespace: "prod", ServiceAccount: "web", PodName: "web-0", Labels: map[string]string{"uid": "4002"}},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})

	waitFor(t, 30*time.Second, "source ready", src.Ready)
	api := fetch(t, src, apiID)
	if len(api.Certificates[0].URIs) != 1 {
		t.Errorf("SVID has %d URI SANs, want 1", len(api.Certificates[0].URIs))
	}
	if _, err := src.SVID(ctx, spiffeid.RequireFromString("spiffe://zeta.test/ns/prod/sa/none")); !errors.Is(err, spire.ErrNoWorkload) {
		t.Errorf("SVID of an unknown workload: %v, want ErrNoWorkload", err)
	}

	// The 30 s SVID is rotated by SPIRE at about half-life and pushed.
	web := fetch(t, src, webID)
	var rotated *x509svid.SVID
	waitFor(t, 60*time.Second, "web SVID rotation", func() bool {
		rotated = fetch(t, src, webID)
		return rotated.Certificates[0].SerialNumber.Cmp(web.Certificates[0].SerialNumber) != 0
	})
	if !rotated.Certificates[0].NotAfter.After(web.Certificates[0].NotAfter) {
		t.Errorf("rotated SVID expires %s, not after the previous one's %s", rotated.Certificates[0].NotAfter, web.Certificates[0].NotAfter)
	}
	if !held(src, webID, rotated) {
		t.Errorf("Certificates() %+v does not list the rotated SVID", src.Certificates())
	}

	// SPIRE agent down: not ready, last good SVIDs and bundle still served.
	env.StopAgent()
	waitFor(t, 10*time.Second, "source not ready with the SPIRE agent down", func() bool { return !src.Ready() })
	if again := fetch(t, src, apiID); again.Certificates[0].SerialNumber.Cmp(api.Certificates[0].SerialNumber) != 0 {
		t.Error("SVID changed while SPIRE was down")
	}
	env.StartAgent()
	waitFor(t, 30*time.Second, "source ready after the SPIRE agent restarted", src.Ready)
	fetch(t, src, apiID)

	// Workloads that leave lose their SVIDs.
	src.SetWorkloads(nil)
	if got := src.Certificates(); len(got) != 0 {
		t.Errorf("Certificates() after SetWorkloads(nil) = %+v", got)
	}
	if _, err := src.SVID(ctx, apiID); !errors.Is(err, spire.ErrNoWorkload) {
		t.Errorf("SVID after the workload left: %v, want ErrNoWorkload", err)
	}
}

// fetch gets id's SVID and checks it against the source's bundle.
func fetch(t *testing.T, src *spire.Source, id spiffeid.ID) *x509svid.SVID {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svid, err := src.SVID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := identity.VerifyPeer(svid.Certificates, src.Bundles())
	if err != nil || got != id {
		t.Fatalf("SVID of %s verifies as %s, %v", id, got, err)
	}
	return svid
}

func held(src *spire.Source, id spiffeid.ID, svid *x509svid.SVID) bool {
	want := identity.CertInfoOf(svid)
	for _, c := range src.Certificates() {
		if c == want && c.ID == id {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
