package suite

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeta-net/zeta/tests/bench/bpfbench"
)

// microRuns is how many times one measurement runs the program.
const microRuns = 1 << 20

// Micro is one packet's datapath microbenchmark.
type Micro struct {
	Packet  bpfbench.Packet
	Entries []int     // policy entries of the endpoint, per bpfbench.Sizes
	NsPerOp []float64 // per bpfbench.Sizes: the median of rounds
}

// microPackets are the packets measured, in the order of Result.Micro.
var microPackets = []bpfbench.Packet{bpfbench.NewConnection, bpfbench.Established}

// runMicro measures every packet on a datapath of every size, interleaved,
// rounds times. It stops between measurements once ctx is done.
func runMicro(ctx context.Context, rounds int) (out []Micro, err error) {
	dps := make([]*bpfbench.Datapath, 0, len(bpfbench.Sizes))
	defer func() {
		for _, d := range dps {
			err = errors.Join(err, d.Close())
		}
	}()
	entries := make([]int, len(bpfbench.Sizes))
	for i, size := range bpfbench.Sizes {
		d, err := bpfbench.New(size)
		if err != nil {
			return nil, err
		}
		dps = append(dps, d)
		if entries[i], err = d.Entries(); err != nil {
			return nil, err
		}
	}
	samples := make([][][]float64, len(microPackets)) // [packet][size][round]
	for pi := range microPackets {
		samples[pi] = make([][]float64, len(dps))
	}
	for range rounds {
		for pi, p := range microPackets {
			for di, d := range dps {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("microbenchmarks: %w", err)
				}
				took, err := d.Time(p, microRuns)
				if err != nil {
					return nil, fmt.Errorf("microbenchmark %s, %d entries: %w", p, entries[di], err)
				}
				samples[pi][di] = append(samples[pi][di], float64(took.Nanoseconds())/microRuns)
			}
		}
	}
	for pi, p := range microPackets {
		m := Micro{Packet: p, Entries: entries, NsPerOp: make([]float64, len(dps))}
		for di := range dps {
			m.NsPerOp[di] = median(samples[pi][di])
		}
		out = append(out, m)
	}
	return out, nil
}
