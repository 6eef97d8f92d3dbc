package otlp

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/queue"
)

// Protocols.
const (
	GRPC = "grpc"
	HTTP = "http"
)

// Config configures one OTLP exporter.
type Config struct {
	// Name identifies the exporter (default "otlp").
	Name string `yaml:"name"`
	// Endpoint is the receiver's host:port.
	Endpoint string `yaml:"endpoint"`
	Protocol string `yaml:"protocol"`
	// URLPath is the path of OTLP/HTTP requests.
	URLPath string `yaml:"url_path"`
	// Insecure sends in plaintext, without TLS.
	Insecure bool       `yaml:"insecure"`
	TLS      export.TLS `yaml:"tls"`
	// Headers are sent with every request. They often carry credentials,
	// so they can only be set in the configuration file, never by flags.
	Headers map[string]string `yaml:"headers"`
	// ResourceAttributes are added to the resource (e.g. k8s.cluster.name).
	ResourceAttributes map[string]string `yaml:"resource_attributes"`
	// Compression is gzip or none.
	Compression string `yaml:"compression"`
	// Timeout bounds one delivery attempt.
	Timeout time.Duration `yaml:"timeout"`
	Queue   queue.Config  `yaml:"queue"`
}

// DefaultConfig is OTLP/gRPC over TLS with gzip.
func DefaultConfig() Config {
	return Config{
		Name: "otlp", Protocol: GRPC, URLPath: "/v1/logs", Compression: "gzip",
		Timeout: 10 * time.Second, Queue: queue.DefaultConfig(),
	}
}

// Flags registers the exporter's flags; it is enabled by --export-otlp-endpoint.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Endpoint, "export-otlp-endpoint", c.Endpoint, "export flows as OTLP logs to this receiver (host:port); empty: off")
	fs.StringVar(&c.Protocol, "export-otlp-protocol", c.Protocol, "OTLP protocol: grpc or http")
	fs.StringVar(&c.URLPath, "export-otlp-url-path", c.URLPath, "URL path of OTLP/HTTP requests")
	fs.BoolVar(&c.Insecure, "export-otlp-insecure", c.Insecure, "send OTLP in plaintext, without TLS")
	fs.StringVar(&c.Compression, "export-otlp-compression", c.Compression, "OTLP compression: gzip or none")
	fs.DurationVar(&c.Timeout, "export-otlp-timeout", c.Timeout, "timeout of one OTLP request")
	c.TLS.Flags(fs, "export-otlp-tls")
	c.Queue.Flags(fs, "export-otlp")
}

// Validate rejects a configuration the exporter cannot run with.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Endpoint); err != nil {
		errs = append(errs, fmt.Errorf("otlp endpoint %q is not host:port: %w", c.Endpoint, err))
	}
	if !slices.Contains([]string{GRPC, HTTP}, c.Protocol) {
		errs = append(errs, fmt.Errorf("otlp protocol %q is not grpc or http", c.Protocol))
	}
	if c.Protocol == HTTP && !strings.HasPrefix(c.URLPath, "/") {
		errs = append(errs, fmt.Errorf("otlp url path %q does not start with /", c.URLPath))
	}
	if !slices.Contains([]string{"gzip", "none"}, c.Compression) {
		errs = append(errs, fmt.Errorf("otlp compression %q is not gzip or none", c.Compression))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("otlp timeout must be positive"))
	}
	if c.Insecure && (c.TLS != export.TLS{}) {
		errs = append(errs, errors.New("otlp: insecure and tls settings exclude each other"))
	}
	if !c.Insecure {
		if err := c.TLS.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.Queue.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
