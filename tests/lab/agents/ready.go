package agents

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/tests/lab/proc"
	"github.com/zeta-net/zeta/tests/lab/unixhttp"
)

// Status asks the agent whether it is ready.
func (a Agent) Status(ctx context.Context) (health.Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://agent/readyz", nil)
	if err != nil {
		return health.Status{}, err
	}
	resp, err := unixhttp.Client(a.Health()).Do(req)
	if err != nil {
		return health.Status{}, fmt.Errorf("ask agent on %s: %w", a.Node, err)
	}
	defer resp.Body.Close()
	var st health.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return health.Status{}, fmt.Errorf("ask agent on %s: %s: decode: %w", a.Node, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		st.Ready = false
	}
	return st, nil
}

// WaitReady waits until the agent process id enforces the manifests whose
// hash is hash. Its error shows the end of the agent's log.
func (a Agent) WaitReady(ctx context.Context, id proc.Identity, hash string) error {
	err := proc.WaitFor(ctx, id, func(ctx context.Context) error {
		st, err := a.Status(ctx)
		if err != nil {
			return err
		}
		if !st.Ready || st.Applied != hash {
			return fmt.Errorf("agent on %s not ready: ready=%t applied=%q error=%q, want applied=%q", a.Node, st.Ready, st.Applied, st.Error, hash)
		}
		return nil
	})
	if err != nil {
		return proc.WithLogTail(fmt.Errorf("wait for agent on %s: %w", a.Node, err), a.Log())
	}
	return nil
}
