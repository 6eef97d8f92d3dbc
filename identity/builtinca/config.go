package builtinca

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/identity"
)

// minSVIDTTL keeps rotation (at half-life) well above the poll interval's
// usual scale while allowing the short lifetimes rotation tests use.
const minSVIDTTL = 10 * time.Second

// Config configures the built-in CA.
type Config struct {
	// Dir is the CA directory (see the package documentation). In
	// standalone mode every agent of the sandbox is given the same one.
	Dir string
	// TrustDomain is the trust domain SVIDs are issued in.
	TrustDomain spiffeid.TrustDomain
	// SVIDTTL is the lifetime of issued SVIDs; they rotate at half of it.
	SVIDTTL time.Duration
	// RootTTL is the lifetime of a root the CA creates itself.
	RootTTL time.Duration
	// PollInterval is how often Run rereads the directory for a changed
	// root, intermediate or revocation list, and rotates SVIDs.
	PollInterval time.Duration
	// Now is the clock (tests inject one); nil is time.Now.
	Now func() time.Time
	// Log receives reload and rotation events; nil discards them.
	Log *slog.Logger
}

// DefaultConfig is the embedded default: 1 h SVIDs, a 10 year root,
// rereading the directory every 10 s.
func DefaultConfig() Config {
	return Config{
		TrustDomain:  spiffeid.RequireTrustDomainFromString(identity.DefaultTrustDomain),
		SVIDTTL:      time.Hour,
		RootTTL:      10 * 365 * 24 * time.Hour,
		PollInterval: 10 * time.Second,
	}
}

// Flags registers the configuration's flags.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Dir, "ca-dir", c.Dir, "built-in CA directory: root.crt and root.key (created if absent), or an operator's root.crt with intermediate.crt and intermediate.key; keys mode 0600")
	fs.DurationVar(&c.SVIDTTL, "svid-ttl", c.SVIDTTL, "lifetime of the SVIDs the built-in CA issues (rotated at half-life)")
	fs.DurationVar(&c.RootTTL, "ca-root-ttl", c.RootTTL, "lifetime of a root the built-in CA creates")
	fs.DurationVar(&c.PollInterval, "ca-poll-interval", c.PollInterval, "how often the built-in CA rereads its directory for root, intermediate and revocation changes")
}

func (c *Config) validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("ca dir is not set"))
	}
	if c.TrustDomain.IsZero() {
		errs = append(errs, errors.New("trust domain is not set"))
	}
	if c.SVIDTTL < minSVIDTTL {
		errs = append(errs, fmt.Errorf("svid ttl %s is below the minimum of %s", c.SVIDTTL, minSVIDTTL))
	}
	if c.RootTTL < c.SVIDTTL {
		errs = append(errs, fmt.Errorf("root ttl %s is shorter than the svid ttl %s", c.RootTTL, c.SVIDTTL))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll interval %s must be positive", c.PollInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("built-in ca config: %w", err)
	}
	return nil
}
