package policygen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/policy/offline"
)

// Probes are the matrices a scenario is compared on: both protocols on
// both ports over IPv4, and TCP/81 over IPv6.
var Probes = []Probe{
	{corev1.ProtocolTCP, 80, false},
	{corev1.ProtocolTCP, 81, false},
	{corev1.ProtocolUDP, 80, false},
	{corev1.ProtocolUDP, 81, false},
	{corev1.ProtocolTCP, 81, true},
}

// Probe is one matrix: a protocol, a port and a family.
type Probe struct {
	Protocol corev1.Protocol
	Port     int32
	IPv6     bool
}

func (p Probe) String() string {
	family := "IPv4"
	if p.IPv6 {
		family = "IPv6"
	}
	return fmt.Sprintf("%s/%d %s", p.Protocol, p.Port, family)
}

// Model writes the scenario into dir, loads it as zetactl and zeta-lab
// do, and builds its offline model.
func (s *Scenario) Model(dir string) (*offline.Model, error) {
	files, err := s.Files()
	if err != nil {
		return nil, err
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load scenario %d: %w", s.Seed, err)
	}
	m, err := offline.Build(set, offline.DefaultConfig())
	if err != nil {
		return nil, fmt.Errorf("build scenario %d: %w", s.Seed, err)
	}
	if len(m.Invalid) > 0 {
		return nil, fmt.Errorf("scenario %d has invalid policies: %v", s.Seed, m.Invalid)
	}
	return m, nil
}

// Report describes a mismatch for people: the seed, the probe, the
// differing cells and the manifests.
func (s *Scenario) Report(p Probe, cells []string) string {
	y, err := s.YAML()
	if err != nil {
		y = err.Error()
	}
	return fmt.Sprintf("seed %d, %s: %d cells differ:\n  %s\nmanifests (reproduce: policygen.Generate(%d)):\n%s",
		s.Seed, p, len(cells), strings.Join(cells, "\n  "), s.Seed, y)
}
