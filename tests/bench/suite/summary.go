package suite

import (
	"slices"
	"time"
)

// row summarises one setup over the rounds: medians of its samples, and
// medians of its per-round comparisons with the baseline measured in the
// same round, which cancel drift between rounds.
type row struct {
	SetupResult
	Gbps                         float64
	RRP50, RRP99, CRRP50, CRRP99 float64 // µs
	Ratio                        float64 // throughput / the baseline's
	AddedRR, AddedCRR            float64 // p50 − the baseline's, µs
	GbpsRange, RRRange, CRRRange [2]float64
	AgentCPU                     float64 // both agents' CPU time, % of one CPU
	AgentCPUPerConn              float64 // both agents' CPU time over the connections opened, µs
}

// summarize returns a row per setup; the first setup is the baseline.
func summarize(res *Result) []row {
	base := res.Setups[0].Samples
	rows := make([]row, len(res.Setups))
	for i, s := range res.Setups {
		r := row{SetupResult: s}
		r.Gbps, r.GbpsRange = stat(s.Samples, func(x Sample) float64 { return x.Gbps })
		r.RRP50, r.RRRange = stat(s.Samples, func(x Sample) float64 { return us(x.RR.P50) })
		r.RRP99, _ = stat(s.Samples, func(x Sample) float64 { return us(x.RR.P99) })
		r.CRRP50, r.CRRRange = stat(s.Samples, func(x Sample) float64 { return us(x.CRR.P50) })
		r.CRRP99, _ = stat(s.Samples, func(x Sample) float64 { return us(x.CRR.P99) })
		r.Ratio = paired(s.Samples, base, func(x, b Sample) float64 { return x.Gbps / b.Gbps })
		r.AddedRR = paired(s.Samples, base, func(x, b Sample) float64 { return us(x.RR.P50 - b.RR.P50) })
		r.AddedCRR = paired(s.Samples, base, func(x, b Sample) float64 { return us(x.CRR.P50 - b.CRR.P50) })
		r.AgentCPU, _ = stat(s.Samples, func(x Sample) float64 { return 100 * x.AgentCPU.Seconds() / x.Took.Seconds() })
		r.AgentCPUPerConn, _ = stat(s.Samples, func(x Sample) float64 { return us(x.AgentCPU) / float64(connections(res.Options)) })
		rows[i] = r
	}
	return rows
}

// connections is how many TCP connections one measurement opens: iperf3's
// two, RR's one, and CRR's, warm-up included.
func connections(o Options) int { return 2 + 1 + o.CRR + o.CRR/10 }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// stat returns the median of f over samples, and its minimum and maximum.
func stat(samples []Sample, f func(Sample) float64) (float64, [2]float64) {
	xs := make([]float64, len(samples))
	for i, s := range samples {
		xs[i] = f(s)
	}
	if len(xs) == 0 {
		return 0, [2]float64{}
	}
	return median(xs), [2]float64{slices.Min(xs), slices.Max(xs)}
}

// paired returns the median over rounds of f(sample, the sample of base
// from the same round).
func paired(samples, base []Sample, f func(x, b Sample) float64) float64 {
	xs := make([]float64, 0, len(samples))
	for i := range min(len(samples), len(base)) {
		xs = append(xs, f(samples[i], base[i]))
	}
	return median(xs)
}
