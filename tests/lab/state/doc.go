// Package state owns what a sandbox cluster leaves on disk: the directory
// /run/zeta-lab/NAME with the state file, the materialised manifests, the
// logs and sockets of the processes the lab starts, and the agents' state
// directories; and the bpffs directory /sys/fs/bpf/zeta-lab/NAME.
//
// Layout names every path. State is the record of what the lab created; the
// lab saves it after every step, so that tearing down after a crash finds
// everything created before the crash. Lock serialises the commands that
// change one cluster (up, apply, restart-agent, down) across processes.
package state
