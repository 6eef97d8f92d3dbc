package otlp

import (
	"context"
	"crypto/tls"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/zeta-net/zeta/agent/export"
)

// newSDKExporter creates the SDK's OTLP exporter for the protocol.
func (e *Exporter) newSDKExporter(tlsCfg *tls.Config) error {
	// Every setting is explicit, so that OTEL_EXPORTER_OTLP_* environment
	// variables change nothing (OTEL_EXPORTER_OTLP_INSECURE could turn TLS off).
	var err error
	switch e.cfg.Protocol {
	case GRPC:
		if e.conn, err = grpcConn(&e.cfg, tlsCfg); err != nil {
			return err
		}
		e.exp, err = otlploggrpc.New(context.Background(),
			otlploggrpc.WithGRPCConn(e.conn), // carries credentials and compression
			otlploggrpc.WithTimeout(e.cfg.Timeout),
			otlploggrpc.WithHeaders(e.cfg.Headers),
			otlploggrpc.WithRetry(otlploggrpc.RetryConfig{Enabled: false}),
		)
	case HTTP:
		e.http = httpClient(&e.cfg, tlsCfg)
		scheme, compression := "https", otlploghttp.NoCompression
		if e.cfg.Insecure {
			scheme = "http"
		}
		if e.cfg.Compression == "gzip" {
			compression = otlploghttp.GzipCompression
		}
		e.exp, err = otlploghttp.New(context.Background(),
			otlploghttp.WithEndpointURL(scheme+"://"+e.cfg.Endpoint+e.cfg.URLPath),
			otlploghttp.WithHTTPClient(e.http), // carries TLS and the timeout
			otlploghttp.WithHeaders(e.cfg.Headers),
			otlploghttp.WithCompression(compression),
			otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}),
		)
	}
	if err != nil {
		if e.conn != nil {
			_ = e.conn.Close()
		}
		return fmt.Errorf("create otlp %s exporter: %w", e.cfg.Protocol, err)
	}
	return nil
}

// newResource describes the agent: service, node and host.
func newResource(o export.Origin, extra map[string]string) *resource.Resource {
	attrs := []attribute.KeyValue{
		semconv.ServiceName("zeta-agent"),
		semconv.K8SNodeName(o.Node),
		semconv.HostName(o.Host),
	}
	if o.Version != "" {
		attrs = append(attrs, semconv.ServiceVersion(o.Version))
	}
	for k, v := range extra {
		attrs = append(attrs, attribute.String(k, v))
	}
	return resource.NewWithAttributes(semconv.SchemaURL, attrs...)
}
