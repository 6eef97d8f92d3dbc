package suite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options tune a run.
type Options struct {
	Rounds  int // each setup is measured once per round
	Seconds int // iperf3's measured time; one more second is omitted
	RR, CRR int // latency samples per measurement
	// Self is this binary, which must hand its arguments to load.Main
	// first: it runs the load client and server in the pods.
	Self string
	Log  *slog.Logger
}

// Result is everything a run measured.
type Result struct {
	Options Options
	Machine Machine
	Started time.Time
	Took    time.Duration
	Load    [2]string // load averages (1, 5, 15 minutes) before and after the rounds
	Micro   []Micro
	Setups  []SetupResult // in the order of Setups
}

// SetupResult is one setup's measurements.
type SetupResult struct {
	Setup   Setup
	Rules   int      // policy entries of the server's endpoint, or firewall rules
	Samples []Sample // one per round
}

// Run measures the datapath alone, then every setup once per round. If
// only the teardown fails, it returns the result and the error.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	res = &Result{Options: o, Machine: machine(ctx), Started: time.Now()}
	o.Log.Info("datapath microbenchmarks")
	if res.Micro, err = runMicro(ctx, o.Rounds); err != nil {
		return nil, err
	}

	var tag [3]byte
	if _, err := rand.Read(tag[:]); err != nil {
		return nil, err
	}
	envs := make([]*env, 0, len(Setups))
	defer func() {
		for _, e := range envs {
			err = errors.Join(err, e.down())
		}
	}()
	for _, s := range Setups {
		o.Log.Info("building cluster", "setup", s.Key)
		e, err := up(ctx, fmt.Sprintf("b%s-%s", hex.EncodeToString(tag[:]), s.Key), s, o.Self, o.Log)
		if err != nil {
			return nil, err
		}
		envs = append(envs, e)
		res.Setups = append(res.Setups, SetupResult{Setup: s, Rules: e.rules})
	}

	res.Load[0] = loadAverage()
	for round := range o.Rounds {
		// Rotate the order, so that no setup always follows the same one.
		for i := range envs {
			k := (i + round) % len(envs)
			smp, err := envs[k].measure(ctx, o)
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", round+1, envs[k].setup.Key, err)
			}
			o.Log.Info("measured", "round", round+1, "setup", envs[k].setup.Key, "gbps", fmt.Sprintf("%.2f", smp.Gbps),
				"rr_p50", smp.RR.P50, "crr_p50", smp.CRR.P50)
			res.Setups[k].Samples = append(res.Setups[k].Samples, smp)
		}
	}
	res.Load[1] = loadAverage()
	res.Took = time.Since(res.Started)
	return res, nil
}
