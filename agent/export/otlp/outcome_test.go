package otlp

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
	"github.com/zeta-net/zeta/agent/export/internal/leaktest"
)

// The collector cannot be made to refuse, so these tests answer OTLP
// requests themselves: each answer is one case of the retry rules.

// answer is the reply of a fake receiver to its n-th request (from 1).
type answer func(n int) (rejected int64, err error)

type fakeLogs struct {
	collogpb.UnimplementedLogsServiceServer
	calls  atomic.Int64
	answer answer
	// seen, when set, gets the metadata of every request.
	seen chan metadata.MD
}

func (f *fakeLogs) Export(ctx context.Context, req *collogpb.ExportLogsServiceRequest) (*collogpb.ExportLogsServiceResponse, error) {
	if f.seen != nil {
		md, _ := metadata.FromIncomingContext(ctx)
		select {
		case f.seen <- md:
		default:
		}
	}
	rej, err := f.answer(int(f.calls.Add(1)))
	if err != nil {
		return nil, err
	}
	resp := &collogpb.ExportLogsServiceResponse{}
	if rej > 0 {
		resp.PartialSuccess = &collogpb.ExportLogsPartialSuccess{RejectedLogRecords: rej, ErrorMessage: "too old"}
	}
	_ = req
	return resp, nil
}

func grpcReceiver(t *testing.T, a answer) (string, *fakeLogs) {
	t.Helper()
	return startGRPCReceiver(t, &fakeLogs{answer: a})
}

func startGRPCReceiver(t *testing.T, f *fakeLogs) (string, *fakeLogs) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	collogpb.RegisterLogsServiceServer(s, f)
	go func() { _ = s.Serve(l) }()
	t.Cleanup(s.Stop)
	return l.Addr().String(), f
}

// httpReceiver answers with a status; 2xx carries the partial success.
func httpReceiver(t *testing.T, a func(n int) (code int, rejected int64)) (string, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		code, rej := a(int(calls.Add(1)))
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(code)
		if code/100 == 2 {
			resp := &collogpb.ExportLogsServiceResponse{}
			if rej > 0 {
				resp.PartialSuccess = &collogpb.ExportLogsPartialSuccess{RejectedLogRecords: rej}
			}
			b, _ := proto.Marshal(resp)
			_, _ = w.Write(b)
		}
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String(), &calls
}

func fakeConfig(protocol, endpoint string) Config {
	c := DefaultConfig()
	c.Protocol, c.Endpoint, c.Insecure = protocol, endpoint, true
	c.Queue.Retry = fastRetry()
	c.Timeout = 2 * time.Second
	return c
}

func exportAndFlush(t *testing.T, e *Exporter, n int) {
	t.Helper()
	if err := e.Export(context.Background(), flowtest.Numbered(1, n)); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatalf("%v; Stats = %+v", err, e.Stats())
	}
}

func TestGRPCAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     answer
		calls int64
		want  export.Stats
	}{
		{"unavailable is retried", func(n int) (int64, error) {
			if n < 3 {
				return 0, status.Error(codes.Unavailable, "busy")
			}
			return 0, nil
		}, 3, export.Stats{Exported: 5, Retried: 2}},
		{"resource exhausted is retried", func(n int) (int64, error) {
			if n == 1 {
				return 0, status.Error(codes.ResourceExhausted, "slow down")
			}
			return 0, nil
		}, 2, export.Stats{Exported: 5, Retried: 1}},
		{"invalid argument drops", func(int) (int64, error) {
			return 0, status.Error(codes.InvalidArgument, "bad")
		}, 1, export.Stats{Dropped: 5}},
		{"unauthenticated drops", func(int) (int64, error) {
			return 0, status.Error(codes.Unauthenticated, "who are you")
		}, 1, export.Stats{Dropped: 5}},
		{"partial success counts the rejected", func(int) (int64, error) { return 2, nil }, 1, export.Stats{Exported: 3, Dropped: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, f := grpcReceiver(t, tc.a)
			e := newExporter(t, fakeConfig(GRPC, addr))
			exportAndFlush(t, e, 5)
			if s := e.Stats(); s != tc.want || f.calls.Load() != tc.calls {
				t.Errorf("Stats = %+v after %d requests, want %+v after %d", s, f.calls.Load(), tc.want, tc.calls)
			}
		})
	}
}

func TestHTTPAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     func(n int) (int, int64)
		calls int64
		want  export.Stats
	}{
		{"503 is retried", func(n int) (int, int64) {
			if n < 3 {
				return http.StatusServiceUnavailable, 0
			}
			return http.StatusOK, 0
		}, 3, export.Stats{Exported: 5, Retried: 2}},
		{"429 is retried", func(n int) (int, int64) {
			if n == 1 {
				return http.StatusTooManyRequests, 0
			}
			return http.StatusOK, 0
		}, 2, export.Stats{Exported: 5, Retried: 1}},
		{"400 drops", func(int) (int, int64) { return http.StatusBadRequest, 0 }, 1, export.Stats{Dropped: 5}},
		{"500 drops", func(int) (int, int64) { return http.StatusInternalServerError, 0 }, 1, export.Stats{Dropped: 5}},
		{"partial success counts the rejected", func(int) (int, int64) { return http.StatusOK, 4 }, 1, export.Stats{Exported: 1, Dropped: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, calls := httpReceiver(t, tc.a)
			e := newExporter(t, fakeConfig(HTTP, addr))
			exportAndFlush(t, e, 5)
			if s := e.Stats(); s != tc.want || calls.Load() != tc.calls {
				t.Errorf("Stats = %+v after %d requests, want %+v after %d", s, calls.Load(), tc.want, tc.calls)
			}
		})
	}
}

// hangingReceiver accepts connections and never answers.
func hangingReceiver(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		for len(held) > 0 {
			_ = (<-held).Close()
		}
	})
	return l.Addr().String()
}

// TestDeadReceiverNeverBlocks: with a receiver that never answers, Export
// returns at once and Close gives up when its context ends, counting the
// records it could not deliver.
func TestDeadReceiverNeverBlocks(t *testing.T) {
	for _, protocol := range []string{GRPC, HTTP} {
		t.Run(protocol, func(t *testing.T) {
			t.Cleanup(leaktest.Check(t))
			cfg := fakeConfig(protocol, hangingReceiver(t))
			cfg.Timeout = time.Minute // an Export that waited would hang this long
			e, err := New(cfg, origin, nil)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for range 10 {
				if err := e.Export(context.Background(), flowtest.Numbered(1, 100)); err != nil {
					t.Fatal(err)
				}
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Export took %v", d)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start = time.Now()
			if err := e.Close(ctx); err == nil {
				t.Error("Close delivered to a dead receiver")
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Close took %v with a 300ms context", d)
			}
			if s := e.Stats(); s != (export.Stats{Dropped: 1000}) {
				t.Errorf("Stats = %+v", s)
			}
			if err := e.Export(context.Background(), flowtest.Numbered(1, 3)); !errors.Is(err, export.ErrClosed) {
				t.Errorf("Export after Close = %v", err)
			}
			if s := e.Stats(); s.Dropped != 1003 {
				t.Errorf("records exported after Close are not counted: %+v", s)
			}
		})
	}
}

func BenchmarkExport(b *testing.B) {
	cfg := fakeConfig(GRPC, "127.0.0.1:1")
	cfg.Queue.Size = 1 << 20
	e, err := New(cfg, origin, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_ = e.Close(ctx) // nothing listens: drop the rest
	}()
	batch := flowtest.Records()
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Export(context.Background(), batch)
	}
}

// TestExplicitSettings: headers and compression reach the receiver, and
// OTEL_EXPORTER_OTLP_* variables change nothing: TLS stays on, their
// headers are not sent.
func TestExplicitSettings(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-from-env=1")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")

	t.Run("http", func(t *testing.T) {
		got := make(chan *http.Request, 1)
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case got <- r:
			default:
			}
			w.WriteHeader(http.StatusOK)
		}))
		s.StartTLS()
		t.Cleanup(s.Close)
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		c := fakeConfig(HTTP, s.Listener.Addr().String())
		c.Insecure, c.TLS.CAFile = false, ca
		c.Headers = map[string]string{"Authorization": "Bearer secret"}
		e := newExporter(t, c)
		exportAndFlush(t, e, 2)
		r := <-got
		if r.TLS == nil || r.URL.Path != "/v1/logs" || r.Header.Get("Authorization") != "Bearer secret" ||
			r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("X-From-Env") != "" {
			t.Errorf("request: tls %v, path %s, headers %v", r.TLS != nil, r.URL.Path, r.Header)
		}
		if s := e.Stats(); s.Exported != 2 {
			t.Errorf("Stats = %+v", s)
		}
	})
	t.Run("grpc", func(t *testing.T) {
		addr, f := startGRPCReceiver(t, &fakeLogs{answer: func(int) (int64, error) { return 0, nil }, seen: make(chan metadata.MD, 1)})
		c := fakeConfig(GRPC, addr)
		c.Headers = map[string]string{"authorization": "Bearer secret"}
		e := newExporter(t, c)
		exportAndFlush(t, e, 2)
		m := <-f.seen
		if got := m.Get("authorization"); len(got) != 1 || got[0] != "Bearer secret" || len(m.Get("x-from-env")) != 0 {
			t.Errorf("metadata %v", m)
		}
	})
}
