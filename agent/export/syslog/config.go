package syslog

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/queue"
)

// Transports.
const (
	TLS = "tls"
	TCP = "tcp"
	UDP = "udp"
)

// Payload formats.
const (
	FormatCEF  = "cef"
	FormatJSON = "json" // OCSF Network Activity
)

// Config configures one syslog exporter.
type Config struct {
	// Name identifies the exporter (default "syslog").
	Name string `yaml:"name"`
	// Address is the receiver's host:port.
	Address   string `yaml:"address"`
	Transport string `yaml:"transport"`
	Format    string `yaml:"format"`
	// Facility is a facility name: kern, user, ..., authpriv, ..., local0-local7.
	Facility string `yaml:"facility"`
	AppName  string `yaml:"app_name"`
	// Hostname is the message's HOSTNAME (default: the node name).
	Hostname     string        `yaml:"hostname"`
	TLS          export.TLS    `yaml:"tls"`
	DialTimeout  time.Duration `yaml:"dial_timeout"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	Queue        queue.Config  `yaml:"queue"`
}

// DefaultConfig is TLS with CEF payloads, facility local0.
func DefaultConfig() Config {
	return Config{
		Name: "syslog", Transport: TLS, Format: FormatCEF, Facility: "local0", AppName: "zeta-agent",
		DialTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second, Queue: queue.DefaultConfig(),
	}
}

// Flags registers the exporter's flags; it is enabled by --export-syslog-address.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Address, "export-syslog-address", c.Address, "export flows to this syslog receiver (host:port); empty: off")
	fs.StringVar(&c.Transport, "export-syslog-transport", c.Transport, "syslog transport: tls (RFC 5425), tcp or udp")
	fs.StringVar(&c.Format, "export-syslog-format", c.Format, "syslog payload: cef or json (OCSF)")
	fs.StringVar(&c.Facility, "export-syslog-facility", c.Facility, "syslog facility name")
	fs.StringVar(&c.AppName, "export-syslog-app-name", c.AppName, "syslog APP-NAME")
	fs.StringVar(&c.Hostname, "export-syslog-hostname", c.Hostname, "syslog HOSTNAME (default: the node name)")
	fs.DurationVar(&c.DialTimeout, "export-syslog-dial-timeout", c.DialTimeout, "timeout to connect to the syslog receiver")
	fs.DurationVar(&c.WriteTimeout, "export-syslog-write-timeout", c.WriteTimeout, "timeout to write one batch")
	c.TLS.Flags(fs, "export-syslog-tls")
	c.Queue.Flags(fs, "export-syslog")
}

// Validate rejects a configuration the exporter cannot run with.
func (c *Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Address); err != nil {
		errs = append(errs, fmt.Errorf("syslog address %q: %w", c.Address, err))
	} else if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		errs = append(errs, fmt.Errorf("syslog address %q: bad port", c.Address))
	}
	if !slices.Contains([]string{TLS, TCP, UDP}, c.Transport) {
		errs = append(errs, fmt.Errorf("syslog transport %q is not tls, tcp or udp", c.Transport))
	}
	if !slices.Contains([]string{FormatCEF, FormatJSON}, c.Format) {
		errs = append(errs, fmt.Errorf("syslog format %q is not cef or json", c.Format))
	}
	if _, ok := facilities[c.Facility]; !ok {
		errs = append(errs, fmt.Errorf("syslog facility %q is unknown", c.Facility))
	}
	if c.DialTimeout <= 0 || c.WriteTimeout <= 0 {
		errs = append(errs, errors.New("syslog dial and write timeouts must be positive"))
	}
	if c.Transport == TLS {
		if err := c.TLS.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.Queue.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// facilities are the RFC 5424 facility codes by their usual names.
var facilities = map[string]int{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
	"uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12, "security": 13, "console": 14,
	"solaris-cron": 15, "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20,
	"local5": 21, "local6": 22, "local7": 23,
}
