// Package pkttest builds Ethernet frames for running the datapath on
// crafted packets (BPF_PROG_TEST_RUN): well-formed IPv4, IPv6 (with any
// chain of extension headers), TCP, UDP, SCTP, ICMP and ICMPv6 packets,
// and, through the override fields, the malformed ones the parser must
// reject. Transport checksums are left zero: the datapath never verifies
// them. The datapath tests use it, and so does the offline evaluator
// (policy/offline), which judges a probe's first packet.
package pkttest
