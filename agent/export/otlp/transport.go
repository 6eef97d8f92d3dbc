package otlp

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// outcome is what the receiver answered to one request; the transports
// fill it in, found in the request's context, because the SDK exporter's
// error does not say whether a failure may be retried.
type outcome struct {
	answered bool
	grpcCode codes.Code
	httpCode int
	rejected int64 // log records refused in a partial success
}

type outcomeKey struct{}

func withOutcome(ctx context.Context, o *outcome) context.Context {
	return context.WithValue(ctx, outcomeKey{}, o)
}

func outcomeOf(ctx context.Context) *outcome {
	o, _ := ctx.Value(outcomeKey{}).(*outcome)
	if o == nil {
		return &outcome{}
	}
	return o
}

// retryable says whether a failed request may succeed later: no answer
// at all, or an answer the OTLP specification lists as transient.
func (o *outcome) retryable() bool {
	if !o.answered {
		return true
	}
	if o.httpCode != 0 {
		switch o.httpCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	switch o.grpcCode {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.Unavailable,
		codes.DataLoss, codes.ResourceExhausted:
		return true
	}
	return false
}

// accepted says whether the receiver took the request (maybe partially).
func (o *outcome) accepted() bool {
	if !o.answered {
		return false
	}
	if o.httpCode != 0 {
		return o.httpCode >= 200 && o.httpCode < 300
	}
	return o.grpcCode == codes.OK
}

// grpcConn dials the receiver lazily; it reconnects no slower than the
// exporter retries.
func grpcConn(c *Config, tlsCfg *tls.Config) (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		creds = credentials.NewTLS(tlsCfg)
	}
	bo := backoff.DefaultConfig
	bo.BaseDelay, bo.MaxDelay = c.Queue.Retry.Initial, c.Queue.Retry.Max
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo, MinConnectTimeout: c.Timeout}),
		grpc.WithUnaryInterceptor(observeGRPC),
	}
	if c.Compression == "gzip" {
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.UseCompressor(gzip.Name)))
	}
	conn, err := grpc.NewClient(c.Endpoint, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp grpc client for %s: %w", c.Endpoint, err)
	}
	return conn, nil
}

func observeGRPC(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	o := outcomeOf(ctx)
	o.answered, o.grpcCode = true, status.Code(err) // a failure to connect is Unavailable

	if resp, ok := reply.(*collogpb.ExportLogsServiceResponse); ok && err == nil {
		o.rejected = resp.GetPartialSuccess().GetRejectedLogRecords()
	}
	return err
}

// httpClient sends OTLP/HTTP requests and notes each answer.
func httpClient(c *Config, tlsCfg *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	tr.Proxy = nil
	return &http.Client{Transport: observeHTTP{base: tr}, Timeout: c.Timeout}
}

type observeHTTP struct{ base *http.Transport }

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (t observeHTTP) CloseIdleConnections() { t.base.CloseIdleConnections() }

// maxResponse bounds the body read for a partial success.
const maxResponse = 1 << 20

func (t observeHTTP) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	o := outcomeOf(req.Context())
	o.answered, o.httpCode = true, resp.StatusCode
	if resp.StatusCode/100 == 2 && resp.Header.Get("Content-Type") == "application/x-protobuf" {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var msg collogpb.ExportLogsServiceResponse
		if rerr == nil && proto.Unmarshal(body, &msg) == nil {
			o.rejected = msg.GetPartialSuccess().GetRejectedLogRecords()
		}
	}
	return resp, nil
}
