package main

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/agent/source/dirsource"
	"github.com/zeta-net/zeta/agent/source/k8ssource"
)

// sourceConfig chooses where the cluster state comes from.
type sourceConfig struct {
	kind       string
	manifests  string
	kubeconfig string
}

func (c *sourceConfig) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.kind, "source", "dir", "where the cluster state comes from: dir (--manifests) or kubernetes (the API server)")
	fs.StringVar(&c.manifests, "manifests", "", "standalone mode: directory of Kubernetes YAML to enforce")
	fs.StringVar(&c.kubeconfig, "kubeconfig", "", "Kubernetes mode: kubeconfig file (default: the in-cluster configuration)")
}

// build returns the source for node's agent.
func (c *sourceConfig) build(node string, log *slog.Logger) (source.Source, error) {
	switch c.kind {
	case "dir":
		if c.manifests == "" {
			return nil, errors.New("--manifests is required with --source=dir")
		}
		return &dirsource.Source{Dir: c.manifests, Log: log, Debounce: 10 * time.Millisecond, Resync: 10 * time.Second}, nil
	case "kubernetes":
		if c.manifests != "" {
			return nil, errors.New("--manifests is for --source=dir")
		}
		klog.SetSlogLogger(log.With("component", "client-go"))
		cfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("kubernetes client configuration: %w", err)
		}
		// Status writes come in bursts (every policy after an upgrade).
		cfg.QPS, cfg.Burst = 50, 100
		cfg.UserAgent = "zeta-agent/" + version
		client, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("kubernetes client: %w", err)
		}
		dyn, err := dynamic.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("kubernetes client: %w", err)
		}
		return &k8ssource.Source{
			Client: client, Dynamic: dyn, Log: log,
			Status: k8ssource.NewStatus(node, client, dyn, log),
		}, nil
	}
	return nil, fmt.Errorf("unknown --source %q: dir or kubernetes", c.kind)
}
