package bpf

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
)

// Programs are the endpoint programs.
type Programs struct {
	FromPod *ebpf.Program `ebpf:"zeta_from_pod"`
	ToPod   *ebpf.Program `ebpf:"zeta_to_pod"`
}

// Maps are the datapath's maps.
type Maps struct {
	Endpoints *ebpf.Map `ebpf:"zeta_endpoints"`
	Config    *ebpf.Map `ebpf:"zeta_config"`
	IPCache4  *ebpf.Map `ebpf:"zeta_ipcache4"`
	IPCache6  *ebpf.Map `ebpf:"zeta_ipcache6"`
	Policy    *ebpf.Map `ebpf:"zeta_policy"`
	CT        *ebpf.Map `ebpf:"zeta_ct"`
	Frags     *ebpf.Map `ebpf:"zeta_frags"`
	Metrics   *ebpf.Map `ebpf:"zeta_metrics"`
	Events    *ebpf.Map `ebpf:"zeta_events"`
	Counters  *ebpf.Map `ebpf:"zeta_counters"`
	EventRate *ebpf.Map `ebpf:"zeta_event_rate"`
	Intercept *ebpf.Map `ebpf:"zeta_intercept"`
}

// Objects are the loaded programs and maps.
type Objects struct {
	Programs
	Maps
}

// Options size and place the maps. Zero values keep the sizes compiled
// into the object.
type Options struct {
	// PinPath is the bpffs directory the maps are pinned in and adopted
	// from. Empty loads private, unpinned maps (tests, offline evaluation).
	PinPath string

	CTEntries      uint32
	PolicyEntries  uint32
	IPCacheEntries uint32
	// EventsBytes is the ring buffer's size: a power of two, a multiple of
	// the page size.
	EventsBytes uint32
}

// Spec returns the compiled datapath's collection spec.
func Spec() (*ebpf.CollectionSpec, error) {
	spec, err := loadZeta()
	if err != nil {
		return nil, fmt.Errorf("load datapath spec: %w", err)
	}
	return spec, nil
}

// Load loads the programs and creates or adopts the maps. A pinned map
// whose type or size no longer matches is an error (ebpf.ErrMapIncompatible):
// the operator decides between keeping the old agent and uninstalling.
func Load(opts Options) (*Objects, error) {
	spec, err := Spec()
	if err != nil {
		return nil, err
	}
	resize := map[string]uint32{
		"zeta_ct":       opts.CTEntries,
		"zeta_policy":   opts.PolicyEntries,
		"zeta_ipcache4": opts.IPCacheEntries,
		"zeta_ipcache6": opts.IPCacheEntries,
		"zeta_events":   opts.EventsBytes,
	}
	for name, n := range resize {
		if n != 0 {
			spec.Maps[name].MaxEntries = n
		}
	}
	var copts ebpf.CollectionOptions
	if opts.PinPath == "" {
		for _, m := range spec.Maps {
			m.Pinning = ebpf.PinNone
		}
	} else {
		if err := os.MkdirAll(opts.PinPath, 0o700); err != nil {
			return nil, fmt.Errorf("create pin path: %w", err)
		}
		copts.Maps.PinPath = opts.PinPath
	}

	var objs Objects
	if err := spec.LoadAndAssign(&objs, &copts); err != nil {
		// %+v of a verifier error is the whole log, which says why.
		return nil, fmt.Errorf("load datapath: %+w", err)
	}
	return &objs, nil
}

// Close releases the file descriptors. Pinned maps stay in bpffs.
func (o *Objects) Close() error {
	var errs []error
	for _, c := range []interface{ Close() error }{
		o.FromPod, o.ToPod, o.Endpoints, o.Config, o.IPCache4, o.IPCache6, o.Policy,
		o.CT, o.Frags, o.Metrics, o.Events, o.Counters, o.EventRate, o.Intercept,
	} {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
