package suite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/zeta-net/zeta/tests/bench/load"
)

// Sample is one measurement of a setup.
type Sample struct {
	Gbps     float64 // iperf3, one stream, client to server
	RR       load.Result
	CRR      load.Result
	AgentCPU time.Duration // what both agents used meanwhile
	Took     time.Duration
}

// settle is how long resumed agents get to catch up on the periodic work
// they missed while parked, before a measurement.
const settle = 2 * time.Second

// measure measures e once: throughput, then latency. Unless the setup
// is Paused, its agents run meanwhile, and are parked again after.
func (e *env) measure(ctx context.Context, o Options) (smp Sample, err error) {
	if !e.setup.Paused {
		if err := e.agents.signal(syscall.SIGCONT); err != nil {
			return Sample{}, err
		}
		defer func() { err = errors.Join(err, e.agents.signal(syscall.SIGSTOP)) }()
		if len(e.agents) > 0 {
			select {
			case <-ctx.Done():
				return Sample{}, ctx.Err()
			case <-time.After(settle):
			}
		}
	}
	start := time.Now()
	before, err := e.agents.cpu()
	if err != nil {
		return Sample{}, err
	}
	if smp.Gbps, err = e.throughput(ctx, o.Seconds); err != nil {
		return Sample{}, err
	}
	rep, err := e.latency(ctx, o)
	if err != nil {
		return Sample{}, err
	}
	smp.RR, smp.CRR = rep.RR, rep.CRR
	after, err := e.agents.cpu()
	if err != nil {
		return Sample{}, err
	}
	smp.AgentCPU, smp.Took = after-before, time.Since(start)
	return smp, nil
}

// iperfResult is the part of iperf3's JSON output read here.
type iperfResult struct {
	End struct {
		SumReceived struct {
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
	} `json:"end"`
	Error string `json:"error"`
}

// throughput runs iperf3 from the client to the server for seconds, after
// one omitted second of slow start, and returns what the server received
// in Gbit/s.
func (e *env) throughput(ctx context.Context, seconds int) (float64, error) {
	cmd, err := e.cluster.Exec(ctx, clientPod, "iperf3", "-c", e.server.IPv4.String(), "-p", strconv.Itoa(int(iperfPort)),
		"-t", strconv.Itoa(seconds), "-O", "1", "-J")
	if err != nil {
		return 0, err
	}
	out, runErr := cmd.Output()
	var res iperfResult
	if err := json.Unmarshal(out, &res); err != nil {
		if runErr != nil {
			return 0, fmt.Errorf("iperf3: %w", runErr)
		}
		return 0, fmt.Errorf("iperf3: decode its output: %w", err)
	}
	if res.Error != "" {
		return 0, fmt.Errorf("iperf3: %s", res.Error)
	}
	if runErr != nil {
		return 0, fmt.Errorf("iperf3: %w", runErr)
	}
	return res.End.SumReceived.BitsPerSecond / 1e9, nil
}

// latency runs the load client in the client pod against the server.
func (e *env) latency(ctx context.Context, o Options) (load.Report, error) {
	c := load.Client{Addr: net.JoinHostPort(e.server.IPv4.String(), strconv.Itoa(int(loadPort))), RR: o.RR, CRR: o.CRR}
	cmd, err := e.cluster.Exec(ctx, clientPod, o.Self, c.Args()...)
	if err != nil {
		return load.Report{}, err
	}
	out, err := cmd.Output()
	if err != nil {
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			return load.Report{}, fmt.Errorf("load client: %w: %s", err, exit.Stderr)
		}
		return load.Report{}, fmt.Errorf("load client: %w", err)
	}
	var rep load.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		return load.Report{}, fmt.Errorf("load client: %w", err)
	}
	return rep, nil
}
