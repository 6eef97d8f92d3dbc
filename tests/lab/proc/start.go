package proc

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// Start starts cmd detached: in a session of its own, stdin from
// /dev/null, stdout and stderr appended to logPath. It reaps the process if
// it ends while this one runs; otherwise init does.
func Start(cmd *exec.Cmd, logPath string) (Identity, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return Identity{}, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	defer log.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return Identity{}, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	// Until Wait reaps it, the child is at worst a zombie whose stat can
	// still be read.
	id, err := Lookup(cmd.Process.Pid)
	go func() { _ = cmd.Wait() }()
	if err != nil {
		return Identity{}, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	return id, nil
}
