package apiserver

import (
	"errors"
	"fmt"
	"net"

	"github.com/spf13/pflag"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Config configures the TCP listener; the unix socket needs none.
type Config struct {
	// Address is host:port for the API over TCP with mutual TLS; empty
	// serves the unix socket only.
	Address string
	// TLSCert and TLSKey are the server's certificate chain and key (PEM).
	TLSCert, TLSKey string
	// TLSCA holds the CA certificates (PEM) that clients' X.509-SVIDs must
	// chain to.
	TLSCA string
	// AllowedSPIFFEIDs are the only clients accepted over TCP.
	AllowedSPIFFEIDs []string
}

// Flags registers the configuration's flags.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Address, "api-address", c.Address, "also serve the API on this TCP host:port, with mutual TLS (empty: unix socket only)")
	fs.StringVar(&c.TLSCert, "api-tls-cert", c.TLSCert, "server certificate (PEM) for --api-address")
	fs.StringVar(&c.TLSKey, "api-tls-key", c.TLSKey, "server private key (PEM) for --api-address")
	fs.StringVar(&c.TLSCA, "api-tls-ca", c.TLSCA, "CA certificates (PEM) that clients' X.509-SVIDs must chain to")
	fs.StringSliceVar(&c.AllowedSPIFFEIDs, "api-allowed-spiffe-ids", c.AllowedSPIFFEIDs, "SPIFFE IDs of the clients allowed over --api-address")
}

// Validate checks that a TCP listener has everything mutual TLS needs,
// and that no TLS setting is given without one.
func (c Config) Validate() error {
	if c.Address == "" {
		if c.TLSCert != "" || c.TLSKey != "" || c.TLSCA != "" || len(c.AllowedSPIFFEIDs) > 0 {
			return errors.New("api-tls-* and api-allowed-spiffe-ids need api-address")
		}
		return nil
	}
	var errs []error
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		errs = append(errs, fmt.Errorf("api-address %q: %w", c.Address, err))
	}
	if c.TLSCert == "" || c.TLSKey == "" || c.TLSCA == "" {
		errs = append(errs, errors.New("api-address needs api-tls-cert, api-tls-key and api-tls-ca: the TCP API is served with mutual TLS only"))
	}
	if len(c.AllowedSPIFFEIDs) == 0 {
		errs = append(errs, errors.New("api-address needs api-allowed-spiffe-ids: no client would be allowed"))
	}
	if _, err := c.allowedIDs(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (c Config) allowedIDs() ([]spiffeid.ID, error) {
	ids := make([]spiffeid.ID, 0, len(c.AllowedSPIFFEIDs))
	for _, s := range c.AllowedSPIFFEIDs {
		id, err := spiffeid.FromString(s)
		if err != nil {
			return nil, fmt.Errorf("api-allowed-spiffe-ids: %q: %w", s, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
