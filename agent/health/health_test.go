package health

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	ready := Status{Ready: true, Applied: "r1", Endpoints: 2}
	failing := func() error { return errors.New("no SVIDs yet") }
	ok := func() error { return nil }
	for _, tc := range []struct {
		name   string
		in     Status
		checks map[string]Check
		want   Status
	}{
		{"no checks", ready, nil, ready},
		{"all hold", ready, map[string]Check{"identity": ok}, ready},
		{"one fails", ready, map[string]Check{"identity": failing, "other": ok},
			Status{Applied: "r1", Endpoints: 2, Error: "identity: no SVIDs yet"}},
		{"reasons in name order after the agent's own", Status{Error: "waiting for the first full state"},
			map[string]Check{"b": failing, "a": failing},
			Status{Error: "waiting for the first full state; a: no SVIDs yet; b: no SVIDs yet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Gate(tc.in, tc.checks); got != tc.want {
				t.Errorf("Gate = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestProbesOverTCP serves Probes on a TCP port as the agent does for
// --health-address and asks what a kubelet asks: /healthz is 200, /readyz
// follows the status (503 until ready), and nothing else is served there.
func TestProbesOverTCP(t *testing.T) {
	var st atomic.Pointer[Status]
	st.Store(&Status{Error: "waiting for the first full state"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- ServeTCP(ctx, addr, Probes(func() Status { return *st.Load() })) }()

	get := func(path string) (int, string) {
		t.Helper()
		var resp *http.Response
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			resp, err = http.Get("http://" + addr + path)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	code, body := get("/readyz")
	if code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before ready = %d, want 503", code)
	}
	var got Status
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Error != "waiting for the first full state" {
		t.Errorf("/readyz body %q (%v)", body, err)
	}
	st.Store(&Status{Ready: true, Applied: "r1"})
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz when ready = %d %s, want 200", code, body)
	}
	if code, _ := get("/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the probe listener = %d, want 404", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeTCP: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeTCP did not return after its context ended")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the listener is still open after shutdown")
	}
}

func TestServeTCPBadAddress(t *testing.T) {
	err := ServeTCP(t.Context(), "127.0.0.1:notaport", Probes(func() Status { return Status{} }))
	if err == nil {
		t.Fatal("ServeTCP accepted a bad address")
	}
}
