package load

import (
	"math"
	"slices"
	"time"
)

// Result summarises one run's samples.
type Result struct {
	Samples int           `json:"samples"`
	P50     time.Duration `json:"p50"`
	P99     time.Duration `json:"p99"`
}

// Summarize returns the exact percentiles of samples, which it sorts.
func Summarize(samples []time.Duration) Result {
	slices.Sort(samples)
	return Result{Samples: len(samples), P50: Percentile(samples, 0.50), P99: Percentile(samples, 0.99)}
}

// Percentile returns the nearest-rank q-quantile (0 < q <= 1) of sorted:
// the smallest sample that at least q of the samples do not exceed.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
