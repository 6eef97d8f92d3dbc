package exporters

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/export/file"
	"github.com/zeta-net/zeta/agent/export/otlp"
	"github.com/zeta-net/zeta/agent/export/syslog"
)

// Config is the exporters' command-line configuration: a YAML file of
// exporters and one exporter of each kind set by flags, enabled by its
// address or path.
type Config struct {
	// ConfigFile is a YAML file of exporters (see Set); empty: none.
	ConfigFile string
	OTLP       otlp.Config
	Syslog     syslog.Config
	File       file.Config
}

// DefaultConfig has every exporter off.
func DefaultConfig() Config {
	return Config{OTLP: otlp.DefaultConfig(), Syslog: syslog.DefaultConfig(), File: file.DefaultConfig()}
}

// Flags registers --export-config and every exporter's flags.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.ConfigFile, "export-config", c.ConfigFile, "YAML file of flow exporters (otlp, syslog, file); TLS keys are read from the files it names")
	c.OTLP.Flags(fs)
	c.Syslog.Flags(fs)
	c.File.Flags(fs)
}

// Resolve reads the file, adds the exporters enabled by flags, and
// validates the result.
func (c *Config) Resolve() (Set, error) {
	var s Set
	if c.ConfigFile != "" {
		var err error
		if s, err = Load(c.ConfigFile); err != nil {
			return Set{}, err
		}
	}
	if c.OTLP.Endpoint != "" {
		s.OTLP = append(s.OTLP, c.OTLP)
	}
	if c.Syslog.Address != "" {
		s.Syslog = append(s.Syslog, c.Syslog)
	}
	if c.File.Path != "" {
		s.File = append(s.File, c.File)
	}
	if err := s.Validate(); err != nil {
		return Set{}, err
	}
	return s, nil
}

// Set is a list of exporters: the YAML file's form.
//
//	otlp:
//	  - name: collector
//	    endpoint: otel-collector.observability:4317
//	    protocol: grpc
//	    tls: {ca_file: /etc/zeta/otlp-ca.pem}
//	syslog:
//	  - name: siem
//	    address: siem.example.com:6514
//	    format: json
//	    tls: {ca_file: /etc/zeta/siem-ca.pem, cert_file: /etc/zeta/tls.crt, key_file: /etc/zeta/tls.key}
//	file:
//	  - path: /var/log/zeta/flows.jsonl
//	    max_size: 104857600
//
// Every key an exporter's Config has (its yaml tags) may be set; what is
// not set keeps its default. An entry without a name is named after its
// kind and position (syslog-0).
type Set struct {
	OTLP   []otlp.Config   `yaml:"otlp"`
	Syslog []syslog.Config `yaml:"syslog"`
	File   []file.Config   `yaml:"file"`
}

// Len is the number of exporters.
func (s *Set) Len() int { return len(s.OTLP) + len(s.Syslog) + len(s.File) }

// Validate checks every exporter and that names are unique.
func (s *Set) Validate() error {
	var errs []error
	names := map[string]bool{}
	check := func(kind, name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s exporter %q: %w", kind, name, err))
		}
		if names[name] {
			errs = append(errs, fmt.Errorf("%s exporter %q: another exporter has this name", kind, name))
		}
		names[name] = true
	}
	for i := range s.OTLP {
		check("otlp", s.OTLP[i].Name, s.OTLP[i].Validate())
	}
	for i := range s.Syslog {
		check("syslog", s.Syslog[i].Name, s.Syslog[i].Validate())
	}
	for i := range s.File {
		check("file", s.File[i].Name, s.File[i].Validate())
	}
	return errors.Join(errs...)
}
