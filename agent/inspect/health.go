package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zeta-net/zeta/agent/statedir"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"

	"github.com/zeta-net/zeta/agent/health"
)

// AgentStatus is what the agent's health socket says, if it answers.
type AgentStatus struct {
	Running bool `json:"running"`
	// Health is the agent's /readyz answer.
	Health *health.Status `json:"health,omitempty"`
	// Problem says why there is no answer.
	Problem string `json:"problem,omitempty"`
}

// agentStatus asks the agent's health socket for /readyz. A missing or
// refusing socket is a state, not an error: the agent is not running.
func (n Node) agentStatus(ctx context.Context) (AgentStatus, error) {
	sock := filepath.Join(n.StateDir, statedir.HealthSocket)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://zeta-agent/readyz", nil)
	if err != nil {
		return AgentStatus{}, fmt.Errorf("ask agent: %w", err)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return AgentStatus{Problem: "agent not running: no socket at " + sock}, nil
	case errors.Is(err, syscall.ECONNREFUSED):
		return AgentStatus{Problem: "agent not running: " + sock + " refuses connections"}, nil
	case err != nil:
		return AgentStatus{Problem: "agent unreachable: " + err.Error()}, fmt.Errorf("ask agent at %s: %w", sock, err)
	}
	defer resp.Body.Close()
	var st health.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return AgentStatus{Running: true, Problem: "unreadable answer"}, fmt.Errorf("decode agent status (HTTP %d): %w", resp.StatusCode, err)
	}
	return AgentStatus{Running: true, Health: &st}, nil
}
