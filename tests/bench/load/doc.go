// Package load measures TCP request/response latency the way netperf's
// TCP_RR and TCP_CRR do, with one byte each way: RR exchanges on one
// persistent connection, CRR opens a connection, exchanges once and closes
// it for every sample, so it pays the handshake and, under a policy
// engine, the judgement of a new connection. Serve is the other end.
//
// Every sample is kept and sorted, so the percentiles are exact (nearest
// rank), not estimated from buckets. Warm-up exchanges run first and are
// not counted.
package load
