package suite

import (
	"bytes"
	"fmt"
	"math"
)

// The targets Zeta is held to, with 10,000 rules.
const (
	targetRatio = 0.95 // throughput, × baseline
	targetAdded = 5.0  // p50 latency, µs
)

// interpret writes the targets' verdicts and what the numbers say, from
// the rows of the Setups.
func interpret(b *bytes.Buffer, res *Result, rows []row) {
	by := map[string]row{}
	for _, r := range rows {
		by[r.Setup.Key] = r
	}
	base, one, many, paused, ipt, iptEst := by["base"], by["zeta1"], by["zeta10k"], by["zeta10kp"], by["ipt"], by["iptest"]
	// The baseline's own spread over rounds: smaller differences are noise.
	noiseRR := base.RRRange[1] - base.RRRange[0]
	noiseCRR := base.CRRRange[1] - base.CRRRange[0]
	noiseGbps := (base.GbpsRange[1] - base.GbpsRange[0]) / base.Gbps

	fmt.Fprintf(b, "## Targets\n\n")
	fmt.Fprintf(b, "- Throughput with 10,000 rules at least %.2f × the baseline: %.3f, %s.\n", targetRatio, many.Ratio, verdict(many.Ratio >= targetRatio))
	fmt.Fprintf(b, "- Added p50 latency with 10,000 rules at most %.0f µs: RR %+.1f µs, %s; CRR %+.1f µs, %s.\n",
		targetAdded, many.AddedRR, verdict(many.AddedRR <= targetAdded), many.AddedCRR, verdict(many.AddedCRR <= targetAdded))
	growRR := paired(many.Samples, one.Samples, func(x, y Sample) float64 { return us(x.RR.P50 - y.RR.P50) })
	growCRR := paired(many.Samples, one.Samples, func(x, y Sample) float64 { return us(x.CRR.P50 - y.CRR.P50) })
	growGbps := paired(many.Samples, one.Samples, func(x, y Sample) float64 { return x.Gbps / y.Gbps })
	flat := math.Abs(growRR) <= noiseRR && math.Abs(growCRR) <= noiseCRR && math.Abs(growGbps-1) <= noiseGbps
	fmt.Fprintf(b, "- Zeta's cost does not grow from 1 to 10,000 rules: 10,000 against 1 rule, round by round, throughput × %.3f, RR p50 %+.1f µs, CRR p50 %+.1f µs, "+
		"against a baseline spread of %.1f%%, %.1f µs and %.1f µs: %s.\n\n", growGbps, growRR, growCRR, 100*noiseGbps, noiseRR, noiseCRR, verdict(flat))

	fmt.Fprintf(b, "## What the numbers say\n\n")
	throughputText(b, res, base, many, paused, ipt, iptEst, noiseGbps)
	latencyText(b, many, paused, noiseRR, noiseCRR)
	growthText(b, res.Micro[0], growCRR, noiseCRR)
	agentText(b, one, many)
	iptablesText(b, ipt, iptEst)
	fmt.Fprintf(b, "Noise: the baseline's RR p50 ranged over %.1f µs and its CRR p50 over %.1f µs across the rounds (see the spread below); "+
		"differences smaller than that are not significant. The load average was %s before the rounds and %s after: "+
		"anything else running on this machine's %d CPUs (builds, tests) lands in these numbers, and the interleaving spreads it over all setups alike.\n\n",
		noiseRR, noiseCRR, res.Load[0], res.Load[1], res.Machine.CPUs)
}

func throughputText(b *bytes.Buffer, res *Result, base, many, paused, ipt, iptEst row, noiseGbps float64) {
	fmt.Fprintf(b, "Throughput: one stream reached %.2f Gbit/s without an agent (its rounds spread over %.1f %%); "+
		"Zeta with 10,000 rules kept %.3f × of it, and %.3f × with its agents paused. ",
		base.Gbps, 100*noiseGbps, many.Ratio, paused.Ratio)
	if paused.Ratio-many.Ratio > noiseGbps {
		b.WriteString("The difference is the agents' CPU time, taken from the iperf3 client and server, which keep both CPUs busy. ")
	}
	fmt.Fprintf(b, "Zeta's programs run on every packet, but an established connection's packets take the conntrack path (%.0f ns each in the datapath alone, whatever the rule count), "+
		"and segmentation offload lets one packet carry up to 64 KB on these veths. "+
		"iptables without the ESTABLISHED shortcut walks its rules for every packet to the server and keeps %.3f ×; with the shortcut, %.3f ×.\n\n",
		res.Micro[1].NsPerOp[1], ipt.Ratio, iptEst.Ratio)
}

func latencyText(b *bytes.Buffer, many, paused row, noiseRR, noiseCRR float64) {
	fmt.Fprintf(b, "Latency: RR exchanges on an established connection, so with Zeta each packet is a conntrack hit; it added %+.1f µs at p50 (%s). "+
		"CRR pays for a new connection every time: the SYN is judged on both nodes (the client's egress and the server's ingress), "+
		"each judgement creates a conntrack entry and emits a flow event, and Zeta added %+.1f µs at p50. ",
		many.AddedRR, significance(many.AddedRR, noiseRR), many.AddedCRR)
	fmt.Fprintf(b, "With the agents paused, the datapath alone added %+.1f µs to CRR and %+.1f µs to RR. ", paused.AddedCRR, paused.AddedRR)
	if diff := many.AddedCRR - paused.AddedCRR; diff > noiseCRR {
		fmt.Fprintf(b, "The other %.1f µs come from the running agents: while measured they used %.1f %% of one CPU, %.0f µs of CPU time per connection opened "+
			"(each wakes the agent on both nodes, which reads, enriches and logs its flow record), on the same CPUs as the client, the server and their softirqs. ",
			diff, many.AgentCPU, many.AgentCPUPerConn)
		switch {
		case paused.AddedCRR <= targetAdded:
			fmt.Fprintf(b, "The datapath alone meets the %.0f µs budget.\n\n", targetAdded)
		case paused.AddedCRR <= noiseCRR:
			fmt.Fprintf(b, "Whether the datapath alone meets the %.0f µs budget is below this run's noise.\n\n", targetAdded)
		default:
			fmt.Fprintf(b, "The datapath alone does not meet the %.0f µs budget either.\n\n", targetAdded)
		}
	} else {
		fmt.Fprintf(b, "Pausing the agents changes CRR by %+.1f µs, within noise: the agents' own work is not what CRR pays for.\n\n", -diff)
	}
}

func growthText(b *bytes.Buffer, m Micro, growCRR, noiseCRR float64) {
	extra := m.NsPerOp[1] - m.NsPerOp[0]
	fmt.Fprintf(b, "Rules: from 1 to 10,000 rules, Zeta's CRR p50 moved by %+.1f µs (%s). "+
		"The policy is an LPM trie looked up twice per judgement (the peer's identity, then any identity), not a list scanned: "+
		"in the datapath alone a new connection's judgement took %.0f ns with 1 entry and %.0f ns with 10,000 (%+.0f ns, × %.2f). ",
		growCRR, significance(growCRR, noiseCRR), m.NsPerOp[0], m.NsPerOp[1], extra, m.NsPerOp[1]/m.NsPerOp[0])
	if math.Abs(extra)/1000 < noiseCRR {
		fmt.Fprintf(b, "That is %+.2f µs per new connection and node, below what this machine resolves in pod-to-pod latency.\n\n", extra/1000)
	} else {
		fmt.Fprintf(b, "That is %+.2f µs per new connection and node.\n\n", extra/1000)
	}
}

func agentText(b *bytes.Buffer, one, many row) {
	growth := 1.0
	if one.AgentCPU > 0 {
		growth = many.AgentCPU / one.AgentCPU
	}
	fmt.Fprintf(b, "The agents: while measured, they used %.1f %% of one CPU (%.0f µs per connection opened) with 1 rule, when Zeta added %+.1f µs to CRR, "+
		"and %.1f %% (%.0f µs per connection) with 10,000 rules, when it added %+.1f µs: × %.1f for the same connections and flow events. ",
		one.AgentCPU, one.AgentCPUPerConn, one.AddedCRR, many.AgentCPU, many.AgentCPUPerConn, many.AddedCRR, growth)
	if growth > 1.5 {
		fmt.Fprintf(b, "What grows with the rules is the agents' periodic resync: every few seconds each agent rereads its manifests and recomputes "+
			"every local endpoint's policy, even when nothing changed, and with 1,000 identities and 10,000 rules that is a burst of CPU time "+
			"that overlaps the measurements. It is the agents, not the datapath, whose cost grows with the rules.\n\n")
	} else {
		b.WriteString("Their cost hardly grows with the rules.\n\n")
	}
}

func iptablesText(b *bytes.Buffer, ipt, iptEst row) {
	fmt.Fprintf(b, "iptables, for comparison, evaluates rules in order: with 10,000 of them every packet to the server added %+.1f µs to RR and %+.1f µs to CRR "+
		"and cut throughput to %.3f ×. Accepting ESTABLISHED,RELATED first spares the packets of established connections "+
		"(RR %+.1f µs, throughput %.3f ×), but every new connection still walks the rules and also pays for conntrack (CRR %+.1f µs).\n\n",
		ipt.AddedRR, ipt.AddedCRR, ipt.Ratio, iptEst.AddedRR, iptEst.Ratio, iptEst.AddedCRR)
}

func verdict(met bool) string {
	if met {
		return "**met**"
	}
	return "**not met**"
}

// significance says whether a difference exceeds the noise.
func significance(diff, noise float64) string {
	if math.Abs(diff) <= noise {
		return fmt.Sprintf("within the baseline's spread of %.1f µs", noise)
	}
	return fmt.Sprintf("beyond the baseline's spread of %.1f µs", noise)
}
