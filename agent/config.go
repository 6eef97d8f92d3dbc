package agent

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/apiserver"
	"github.com/zeta-net/zeta/agent/flow"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/identity"
	"github.com/zeta-net/zeta/identity/builtinca"
	"github.com/zeta-net/zeta/policy/secid"
)

// Config configures an agent.
type Config struct {
	// Node is this node's name, as in pods' spec.nodeName.
	Node string
	// BPFFSRoot is where maps and links are pinned.
	BPFFSRoot string
	// StateDir holds the identity allocation, the flow log and the health socket.
	StateDir    string
	DefaultDeny bool
	// AuditMode turns every endpoint's denials into audits (logged, let
	// through), as a namespace's zeta.io/audit-mode annotation does for it.
	AuditMode   bool
	TrustDomain string
	LabelFilter secid.Filter
	// EventsPerSec and EventsBurst limit flow events per endpoint.
	EventsPerSec uint32
	EventsBurst  uint32
	Maps         bpf.Options
	// Resync reconciles this often even without changes, to pick up
	// interfaces that appeared without a route event.
	Resync       time.Duration
	CTGCInterval time.Duration

	// Flows sizes the flow pipeline's buffers; API configures the API's
	// TCP listener; MetricsAddress, if set, serves /metrics on TCP.
	Flows          flow.Config
	API            apiserver.Config
	MetricsAddress string
	// HealthAddress, if set, serves /healthz and /readyz on TCP for the
	// kubelet's probes (plain HTTP; the unix socket needs root).
	HealthAddress string
	// Proxy runs the mutual-TLS proxy on tunnel.Port (proxy.go), with
	// SVIDs from the built-in CA configured by CA (its directory is
	// StateDir/ca unless set).
	Proxy bool
	CA    builtinca.Config
	// Version is the agent's version, for status and metrics.
	Version string
}

// DefaultConfig is the embedded default.
func DefaultConfig() Config {
	return Config{
		BPFFSRoot:    "/sys/fs/bpf/zeta",
		StateDir:     "/var/run/zeta",
		TrustDomain:  identity.DefaultTrustDomain,
		LabelFilter:  secid.DefaultFilter,
		EventsPerSec: 1000,
		EventsBurst:  2000,
		Resync:       5 * time.Second,
		CTGCInterval: 30 * time.Second,
		Flows:        flow.DefaultConfig(),
		CA:           builtinca.DefaultConfig(),
	}
}

// Flags registers the configuration's flags.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Node, "node", c.Node, "this node's name, as in pods' spec.nodeName (default: $NODE_NAME, then the hostname)")
	fs.StringVar(&c.BPFFSRoot, "bpffs-root", c.BPFFSRoot, "bpffs directory where maps and links are pinned")
	fs.StringVar(&c.StateDir, "state-dir", c.StateDir, "directory for the identity allocation, the flow log and the health socket")
	fs.BoolVar(&c.DefaultDeny, "default-deny", c.DefaultDeny, "deny in both directions what no policy allows, for every endpoint")
	fs.BoolVar(&c.AuditMode, "audit-mode", c.AuditMode, "log what policy denies as audited and let it through, for every endpoint")
	fs.StringVar(&c.TrustDomain, "trust-domain", c.TrustDomain, "SPIFFE trust domain of workload identities")
	fs.StringSliceVar(&c.LabelFilter.Include, "identity-labels", c.LabelFilter.Include, "only these label keys make identities (prefix* allowed; empty: all)")
	fs.StringSliceVar(&c.LabelFilter.Exclude, "identity-labels-exclude", c.LabelFilter.Exclude, "label keys that never make identities (prefix* allowed)")
	fs.Uint32Var(&c.EventsPerSec, "flow-events-per-second", c.EventsPerSec, "flow events per endpoint per second the datapath may emit (0: no limit)")
	fs.Uint32Var(&c.EventsBurst, "flow-events-burst", c.EventsBurst, "burst of flow events per endpoint")
	fs.Uint32Var(&c.Maps.CTEntries, "ct-entries", c.Maps.CTEntries, "conntrack table size (0: built-in default)")
	fs.Uint32Var(&c.Maps.PolicyEntries, "policy-entries", c.Maps.PolicyEntries, "policy map size for all endpoints (0: built-in default)")
	fs.Uint32Var(&c.Maps.IPCacheEntries, "ipcache-entries", c.Maps.IPCacheEntries, "IP cache size per family (0: built-in default)")
	fs.Uint32Var(&c.Maps.EventsBytes, "flow-ring-bytes", c.Maps.EventsBytes, "flow event ring buffer size, a power of two (0: built-in default)")
	fs.DurationVar(&c.Resync, "resync", c.Resync, "reconcile at least this often")
	fs.DurationVar(&c.CTGCInterval, "ct-gc-interval", c.CTGCInterval, "how often expired conntrack entries are removed")
	fs.BoolVar(&c.Proxy, "transparent-proxy", c.Proxy, "run the mutual-TLS proxy: a transparent listener on port 15008 for the connections the datapath steers and the tunnels of other nodes")
	c.CA.Flags(fs)
	c.Flows.Flags(fs)
	c.API.Flags(fs)
	fs.StringVar(&c.MetricsAddress, "metrics-address", c.MetricsAddress, "also serve Prometheus /metrics on this TCP host:port, e.g. 127.0.0.1:9962 (empty: only on the health socket)")
	fs.StringVar(&c.HealthAddress, "health-address", c.HealthAddress, "also serve /healthz and /readyz on this TCP host:port, plain HTTP for the kubelet's probes, e.g. 127.0.0.1:9876 (empty: only on the health socket)")
}

// Validate rejects a configuration the agent cannot run with.
func (c *Config) Validate() error {
	var errs []error
	if c.Node == "" {
		errs = append(errs, errors.New("node name is empty"))
	}
	if c.BPFFSRoot == "" || c.StateDir == "" {
		errs = append(errs, errors.New("bpffs-root and state-dir must be set"))
	}
	if c.EventsPerSec != 0 && c.EventsBurst == 0 {
		errs = append(errs, errors.New("flow-events-burst must be positive when flow-events-per-second is"))
	}
	if n := c.Maps.EventsBytes; n != 0 && (n&(n-1) != 0 || n < 4096) {
		errs = append(errs, fmt.Errorf("flow-ring-bytes %d is not a power of two of at least 4096", n))
	}
	if c.Resync <= 0 || c.CTGCInterval <= 0 {
		errs = append(errs, errors.New("resync and ct-gc-interval must be positive"))
	}
	if c.HealthAddress != "" {
		if _, _, err := net.SplitHostPort(c.HealthAddress); err != nil {
			errs = append(errs, fmt.Errorf("health-address %q: %w", c.HealthAddress, err))
		}
	}
	errs = append(errs, c.Flows.Validate(), c.API.Validate())
	return errors.Join(errs...)
}
