package agent

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestAgentHealthAddress runs an agent with --health-address and a
// readiness check of another component, and asks over TCP what the
// kubelet's probes ask: /healthz answers at once; /readyz is 503 while the
// check fails even though the agent has applied its first full state,
// names the check, and turns 200 once the check holds.
func TestAgentHealthAddress(t *testing.T) {
	a, cfg := newTestAgent(t, "node-h", func(c *Config) { c.HealthAddress = freePort(t) })
	var identityReady atomic.Bool
	a.AddReadinessCheck("identity source", func() error {
		if !identityReady.Load() {
			return errors.New("no SVIDs yet")
		}
		return nil
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, syncedSource{}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	get := func(path string) (int, string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			resp, err := http.Get("http://" + cfg.HealthAddress + path)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	// Wait until the agent itself is ready: the status names the applied
	// revision, yet the failing check keeps it unready.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, body := get("/readyz")
		if strings.Contains(body, `"applied":"r1"`) {
			if code != http.StatusServiceUnavailable || !strings.Contains(body, "identity source: no SVIDs yet") {
				t.Fatalf("/readyz with a failing check = %d %s, want 503 naming the check", code, body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent never applied its first state: %d %s", code, body)
		}
	}
	if a.live().Health.Ready {
		t.Error("the API's status is ready while a readiness check fails")
	}
	identityReady.Store(true)
	if code, body := get("/readyz"); code != http.StatusOK || !strings.Contains(body, `"ready":true`) {
		t.Errorf("/readyz once the check holds = %d %s, want 200", code, body)
	}
	if code, _ := get("/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the probe listener = %d, want 404: it serves the probes alone", code)
	}
}

func TestConfigHealthAddress(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Node = "n"
	cfg.HealthAddress = "127.0.0.1:9876"
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid health address rejected: %v", err)
	}
	cfg.HealthAddress = "9876"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `health-address "9876"`) {
		t.Errorf("Validate of health-address 9876 = %v, want an error naming it", err)
	}
}
