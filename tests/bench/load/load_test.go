package load

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	sorted := make([]time.Duration, 200)
	for i := range sorted {
		sorted[i] = time.Duration(i + 1)
	}
	for _, tc := range []struct {
		samples []time.Duration
		q       float64
		want    time.Duration
	}{
		{sorted, 0.50, 100},
		{sorted, 0.99, 198},
		{sorted, 1, 200},
		{sorted[:1], 0.99, 1},
		{sorted[:3], 0.50, 2},
		{nil, 0.5, 0},
	} {
		if got := Percentile(tc.samples, tc.q); got != tc.want {
			t.Errorf("Percentile(%d samples, %v) = %v, want %v", len(tc.samples), tc.q, got, tc.want)
		}
	}
}

func TestSummarizeSorts(t *testing.T) {
	r := Summarize([]time.Duration{5, 1, 4, 2, 3})
	if r != (Result{Samples: 5, P50: 3, P99: 5}) {
		t.Errorf("Summarize = %+v", r)
	}
}

func TestRRAndCRR(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln) }()

	rr, err := RR(t.Context(), ln.Addr().String(), 10, 500)
	if err != nil {
		t.Fatal(err)
	}
	crr, err := CRR(t.Context(), ln.Addr().String(), 5, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Result{rr, crr} {
		if r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("result %+v: want 0 < p50 <= p99", r)
		}
	}
	if rr.Samples != 500 || crr.Samples != 50 {
		t.Errorf("samples: rr %d, crr %d; want 500 and 50", rr.Samples, crr.Samples)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestMainRunsClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = Serve(ctx, ln) }()

	var out bytes.Buffer
	code, ok := Main(Client{Addr: ln.Addr().String(), RR: 100, CRR: 10}.Args(), &out)
	if !ok || code != 0 {
		t.Fatalf("Main = %d, %t", code, ok)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.RR.Samples != 100 || rep.CRR.Samples != 10 || rep.RR.P50 <= 0 {
		t.Errorf("report %+v", rep)
	}
	if _, ok := Main([]string{"-out", "x"}, &out); ok {
		t.Error("Main took arguments that are none of its commands")
	}
}
