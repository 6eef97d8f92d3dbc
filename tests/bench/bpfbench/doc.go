// Package bpfbench measures Zeta's datapath program in the kernel, without
// a network: BPF_PROG_TEST_RUN runs zeta_to_pod over one frame as many
// times as the benchmark asks (RunOptions.Repeat), so the time per run is
// the program's own cost on one packet.
//
// A Datapath is a private copy of the programs and maps (bpf.Load with no
// pin path) with one endpoint on the loopback device, where test frames
// arrive, enforcing ingress. The IP cache always knows MaxPeers peers; a
// Size says how many of them the endpoint's policy allows and on how many
// ports each, so that two sizes differ only in the policy map. Two packets
// are measured, built with bpf/pkttest: a new connection's SYN that no
// entry allows (so every run looks the policy up and drops; an allowed
// SYN would create a conntrack entry and the next run would hit it), and a
// packet of an established connection, which conntrack passes without a
// policy lookup.
//
// Bench runs a packet in a Go benchmark (bpfbench_test.go, `go test
// -bench`); Time runs it a given number of times, for the bench program.
// Both check the program's return code. Everything needs root; Close
// releases the maps.
package bpfbench
