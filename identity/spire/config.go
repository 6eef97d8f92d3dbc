package spire

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/identity"
)

// Config configures the SPIRE source.
type Config struct {
	// AdminSocket is the SPIRE agent's admin socket (its
	// admin_socket_path), which serves the Delegated Identity API.
	AdminSocket string
	// TrustDomain is the local trust domain: the source is ready once it
	// holds its bundle.
	TrustDomain spiffeid.TrustDomain
	// Selectors gives the selectors a workload is subscribed with; nil is
	// K8sSelectors.
	Selectors func(identity.Workload) []Selector
	// MinBackoff and MaxBackoff bound the wait between reconnections.
	MinBackoff, MaxBackoff time.Duration
	// Log receives connection events; nil discards them.
	Log *slog.Logger
}

// DefaultConfig is the default: the SPIRE agent's conventional admin
// socket path and backoff from 250 ms to 10 s.
func DefaultConfig() Config {
	return Config{
		AdminSocket: "/run/spire/admin/admin.sock",
		TrustDomain: spiffeid.RequireTrustDomainFromString(identity.DefaultTrustDomain),
		MinBackoff:  250 * time.Millisecond,
		MaxBackoff:  10 * time.Second,
	}
}

// Flags registers the configuration's flags.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.AdminSocket, "spire-admin-socket", c.AdminSocket, "SPIRE agent admin socket serving the Delegated Identity API")
}

func (c *Config) validate() error {
	var errs []error
	if c.AdminSocket == "" {
		errs = append(errs, errors.New("admin socket is not set"))
	}
	if c.TrustDomain.IsZero() {
		errs = append(errs, errors.New("trust domain is not set"))
	}
	if c.MinBackoff <= 0 || c.MaxBackoff < c.MinBackoff {
		errs = append(errs, fmt.Errorf("backoff %s to %s: want 0 < min <= max", c.MinBackoff, c.MaxBackoff))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("spire source config: %w", err)
	}
	return nil
}
