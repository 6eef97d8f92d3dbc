// Package pkttest builds Ethernet frames for datapath tests: well-formed
// IPv4, IPv6 (with any chain of extension headers), TCP, UDP, SCTP, ICMP
// and ICMPv6 packets, and, through the override fields, the malformed ones
// the parser must reject. Transport checksums are left zero: the datapath
// never verifies them.
package pkttest
