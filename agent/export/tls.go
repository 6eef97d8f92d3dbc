package export

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"
)

// TLS configures a TLS client. Keys and certificates come only from
// files; the client certificate is read again on every handshake, so a
// rotated certificate is used from the next connection on.
type TLS struct {
	// CAFile verifies the server (PEM bundle); empty: the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the client certificate and key (PEM) for
	// mutual TLS; both or neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name verified in the server certificate
	// (default: the host of the address).
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any server certificate: for tests only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Flags registers the TLS flags under prefix (e.g. "export-syslog-tls").
func (c *TLS) Flags(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&c.CAFile, prefix+"-ca-file", c.CAFile, "PEM file of the CAs that verify the server (default: system roots)")
	fs.StringVar(&c.CertFile, prefix+"-cert-file", c.CertFile, "PEM file of the client certificate, for mutual TLS")
	fs.StringVar(&c.KeyFile, prefix+"-key-file", c.KeyFile, "PEM file of the client key, for mutual TLS")
	fs.StringVar(&c.ServerName, prefix+"-server-name", c.ServerName, "name to verify in the server certificate (default: the host of the address)")
	fs.BoolVar(&c.InsecureSkipVerify, prefix+"-insecure-skip-verify", c.InsecureSkipVerify, "accept any server certificate (tests only)")
}

// Validate checks that the files exist and the pair is complete.
func (c *TLS) Validate() error {
	var errs []error
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("cert_file and key_file must be set together"))
	}
	for _, f := range []string{c.CAFile, c.CertFile, c.KeyFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			errs = append(errs, fmt.Errorf("tls file: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Config builds the client configuration for a server at host.
func (c *TLS) Config(host string) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         host,
		InsecureSkipVerify: c.InsecureSkipVerify, //nolint:gosec // opt-in, documented as tests only
	}
	if c.ServerName != "" {
		cfg.ServerName = c.ServerName
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read tls ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read tls ca file %s: no PEM certificates", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if c.CertFile != "" {
		// Fail early on a bad pair, then reload on every handshake.
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			return nil, fmt.Errorf("load tls client certificate: %w", err)
		}
		certFile, keyFile := c.CertFile, c.KeyFile
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				return nil, fmt.Errorf("load tls client certificate: %w", err)
			}
			return &cert, nil
		}
	}
	return cfg, nil
}
