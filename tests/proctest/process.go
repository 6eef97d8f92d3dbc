package proctest

import (
	"bytes"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long a receiver may take to exit on SIGTERM.
const stopGrace = 20 * time.Second

// Process is a receiver process. Set the fields, then Start; Stop and
// Start may alternate to take the receiver down and up again.
type Process struct {
	// Name names it in failures.
	Name string
	// Netns, if set, is the path of the network namespace to run it in.
	Netns string
	// Args are the binary and its arguments.
	Args []string
	// Ports are the TCP ports it listens on once ready.
	Ports []int
	// Timeout bounds the wait for the ports (default 30s).
	Timeout time.Duration

	cmd    *exec.Cmd
	exited chan struct{}
	output buffer
}

// Start starts the process and returns once it listens on every port; it
// fails the test if the process exits or the timeout passes first.
func (p *Process) Start(t testing.TB) {
	t.Helper()
	args := p.Args
	if p.Netns != "" {
		args = append([]string{"nsenter", "--net=" + p.Netns}, args...)
	}
	p.output.reset()
	p.cmd = exec.Command(args[0], args[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = &p.output, &p.output
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.Name, err)
	}
	p.exited = make(chan struct{})
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		missing, err := notListening(p.cmd.Process.Pid, p.Ports)
		if err == nil && len(missing) == 0 {
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited: %s", p.Name, p.output.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %v after %v (%v):\n%s", p.Name, missing, timeout, err, p.output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the process with SIGTERM, or SIGKILL after a grace period (a
// test error), and waits until it has exited. Stopping a stopped process
// does nothing, so Stop can be a cleanup.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("%s did not stop on SIGTERM", p.Name)
	}
	p.cmd = nil
}

// Running reports whether the process was started and not stopped.
func (p *Process) Running() bool { return p.cmd != nil }

// Output is what the process wrote to stdout and stderr in its last run.
func (p *Process) Output() string { return p.output.String() }

// buffer collects a process's output while the test reads it.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *buffer) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}
