// Package proc owns the long-lived processes the sandbox starts and stops:
// the pods' servers and the agents. They run detached (own session, output
// to a log file) so that they outlive the command that started them.
//
// A process is recorded as an Identity, its PID and start time, and is only
// signalled while both still match, so that a recorded PID reused by an
// unrelated process after a crash is never killed. WithEnv and InNetns find
// a cluster's processes again when no record of them survived.
package proc
