package conformance

import (
	"net/netip"
	"os"
	"path/filepath"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/policy/offline"
)

// ModelAddrs are the addresses a model placed its pods at.
func ModelAddrs(m *offline.Model) Addrs {
	return func(pod string, ipv6 bool) (netip.Addr, bool) {
		p, ok := m.Pod(pod)
		if !ok {
			return netip.Addr{}, false
		}
		a := p.Addr(ipv6)
		return a, a.IsValid()
	}
}

// BuildOffline writes step's manifests into dir (a new temporary one if
// empty), loads them as zetactl would and builds the model. Without addrs
// the step must not use addresses.
func BuildOffline(s Step, cfg offline.Config, dir string, addrs ...Addrs) (*offline.Model, error) {
	a := func(string, bool) (netip.Addr, bool) { return netip.Addr{}, false }
	if len(addrs) > 0 {
		a = addrs[0]
	}
	files, err := Files(s, a)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "zeta-conformance-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	if err := WriteFiles(dir, files); err != nil {
		return nil, err
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	return offline.Build(set, cfg)
}

// WriteFiles writes files into dir, replacing what it held.
func WriteFiles(dir string, files map[string]string) error {
	old, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if _, keep := files[filepath.Base(f)]; !keep {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return err
		}
	}
	return nil
}
