package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/policy/offline"
)

// offlineOptions are the flags of the commands that judge a manifest
// directory offline.
type offlineOptions struct {
	dir         string
	cfg         offline.Config
	trustDomain string
	evaluator   string
	protocol    string
	port        int32
	ipv6        bool
	output      string
}

func (o *offlineOptions) flags(cmd *cobra.Command) {
	o.cfg = offline.DefaultConfig()
	o.trustDomain = o.cfg.TrustDomain.Name()
	fs := cmd.Flags()
	fs.StringVarP(&o.dir, "file", "f", "", "directory of Kubernetes YAML: namespaces, pods and policies (required)")
	fs.IntVar(&o.cfg.Nodes, "nodes", o.cfg.Nodes, "add nodes node-1..node-N to those the pods' spec.nodeName names, as zeta-lab does")
	fs.BoolVar(&o.cfg.DefaultDeny, "default-deny", false, "judge as agents started with --default-deny")
	fs.BoolVar(&o.cfg.AuditMode, "audit-mode", false, "judge as agents in audit mode: denials become audits")
	fs.StringVar(&o.trustDomain, "trust-domain", o.trustDomain, "SPIFFE trust domain of the workloads")
	fs.StringVar(&o.evaluator, "evaluator", "auto", "auto (the datapath programs if this process can load them, else Go), bpf or go")
	fs.StringVar(&o.protocol, "protocol", "TCP", "TCP, UDP or SCTP")
	fs.Int32Var(&o.port, "port", 80, "destination port")
	fs.BoolVar(&o.ipv6, "ipv6", false, "judge the pods' IPv6 addresses")
	fs.StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("evaluator", cobra.FixedCompletions([]string{"auto", "bpf", "go"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]string{"TCP", "UDP", "SCTP"}, cobra.ShellCompDirectiveNoFileComp))
}

// validate checks the flags that need no I/O and returns the protocol.
func (o *offlineOptions) validate() (corev1.Protocol, error) {
	if o.dir == "" {
		return "", usagef("-f DIR is required")
	}
	proto, err := offline.ParseProtocol(o.protocol)
	if err != nil {
		return "", usageError{fmt.Errorf("--protocol: %w", err)}
	}
	if o.port < 1 || o.port > 65535 {
		return "", usagef("--port %d: want 1-65535", o.port)
	}
	if o.output != "table" && o.output != "json" {
		return "", usagef("-o %s: want table or json", o.output)
	}
	if o.evaluator != "auto" && o.evaluator != "bpf" && o.evaluator != "go" {
		return "", usagef("--evaluator %s: want auto, bpf or go", o.evaluator)
	}
	if o.cfg.Nodes < 0 {
		return "", usagef("--nodes %d: want 0 or more", o.cfg.Nodes)
	}
	td, err := spiffeid.TrustDomainFromString(o.trustDomain)
	if err != nil {
		return "", usagef("--trust-domain: %v", err)
	}
	o.cfg.TrustDomain = td
	return proto, nil
}

// model loads the directory, which must decode whole, and builds its
// model. Policies that apply nowhere, and what valid ones say that
// matches nothing, are reported on stderr as the agents would log them.
func (o *offlineOptions) model(stderr io.Writer) (*offline.Model, error) {
	set, err := manifest.LoadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("load manifests %s: %w", o.dir, err)
	}
	m, err := offline.Build(set, o.cfg)
	if err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(m.Invalid)) {
		fmt.Fprintf(stderr, "zetactl: %s is invalid and applies nowhere: %v\n", k, m.Invalid[k])
	}
	for _, k := range slices.Sorted(maps.Keys(m.Warnings)) {
		for _, w := range m.Warnings[k] {
			fmt.Fprintf(stderr, "zetactl: %s: %s\n", k, w)
		}
	}
	return m, nil
}

// evaluatorOf returns the evaluator --evaluator asks for and a function
// releasing it. With auto, a process that cannot load the datapath says
// so on stderr and judges in Go.
func (o *offlineOptions) evaluatorOf(stderr io.Writer) (offline.Evaluator, func(), error) {
	if o.evaluator == "go" {
		return offline.Go{}, func() {}, nil
	}
	b, err := offline.NewBPF()
	switch {
	case err == nil:
		return b, func() { _ = b.Close() }, nil
	case o.evaluator == "auto" && errors.Is(err, offline.ErrUnavailable):
		fmt.Fprintf(stderr, "zetactl: %v: judging in Go (policy.Evaluate) from the same compiled entries\n", err)
		return offline.Go{}, func() {}, nil
	}
	return nil, nil, err
}
