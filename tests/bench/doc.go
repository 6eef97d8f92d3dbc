// Command bench measures what Zeta costs a pod's traffic and writes the
// report docs/benchmarks.md (`make bench`, as root, with bin/ on $PATH for
// zeta-agent):
//
//	go run ./tests/bench -out docs/benchmarks.md
//
// It builds one sandbox cluster per setup (package suite): no agent, Zeta
// with 1 rule and with 10,000 rules, and iptables with the same 10,000
// rules, and measures throughput and request/response latency between two
// pods on two nodes, interleaving the setups over several rounds; and it
// runs the datapath program alone through BPF_PROG_TEST_RUN (package
// bpfbench, also `go test -bench . ./tests/bench/bpfbench`). It removes
// every cluster it built, also when it fails or is interrupted, and exits
// non-zero on failure.
//
// Inside the pods the same binary runs the latency client and server
// (package load): when its first argument is one of load's commands, it
// runs that instead.
package main
