package suite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zeta-net/zeta/tests/lab"
)

// Bounds on a server's start and stop.
const (
	startTimeout = 10 * time.Second
	stopGrace    = 5 * time.Second
)

// process is a server running inside a pod until stopped.
type process struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process exited and its output is drained
	waitErr error         // Wait's result, set before done is closed
}

// startProcess runs name with args in pod and returns once it prints a
// line containing ready. The process dies with ctx, and with this one.
func startProcess(ctx context.Context, c *lab.Cluster, pod, ready, name string, args ...string) (*process, error) {
	cmd, err := c.Exec(ctx, pod, name, args...)
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	isReady := make(chan struct{})
	go func() {
		var once sync.Once
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), ready) {
				once.Do(func() { close(isReady) })
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	select {
	case <-isReady:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("start %s in %s: exited: %w: %s", name, pod, p.waitErr, stderr.String())
	case <-time.After(startTimeout):
		return nil, errors.Join(fmt.Errorf("start %s in %s: not ready after %v", name, pod, startTimeout), p.stop())
	}
}

// stop ends the process: SIGTERM, then SIGKILL after a grace period. How
// it exits is not an error.
func (p *process) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}
