package lab

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/zeta-net/zeta/tests/lab/labns"
)

// Exec returns a command running name with args inside pod's network
// namespace (nsenter --net). The caller sets its stdio and runs it.
func (c *Cluster) Exec(ctx context.Context, pod, name string, args ...string) (*exec.Cmd, error) {
	p, ok := c.Pod(pod)
	if !ok {
		return nil, fmt.Errorf("exec in %s: no such pod in cluster %s", pod, c.Name())
	}
	argv := append([]string{"--net=" + labns.Path(p.Netns), name}, args...)
	return exec.CommandContext(ctx, "nsenter", argv...), nil
}
