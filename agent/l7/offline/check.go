package offline

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/l7/authz"
	"github.com/zeta-net/zeta/agent/l7/jwks"
	"github.com/zeta-net/zeta/agent/l7/jwt"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/l7"
	polofl "github.com/zeta-net/zeta/policy/offline"
)

// Reasons of results that the connection, not the request, decides.
const (
	// ReasonL4Denied: a hook drops the connection, so no request is ever
	// sent. The status is 403: what the client learns is "not allowed",
	// and 200/401/403 stay the only statuses a check reports.
	ReasonL4Denied = "l4-denied"
	// ReasonNoL7 : the connection is not redirected to the L7 proxy (its
	// port has no HTTP rules for this peer), so every request passes.
	ReasonNoL7 = "no-l7-rules"
	// ReasonSelf: a pod reaching itself, which no hook or proxy sees.
	ReasonSelf = "self"
)

// Query is the request to judge.
type Query struct {
	From, To string // "namespace/pod"
	Port     uint16
	IPv6     bool
	Method   string
	Host     string
	Path     string
	Header   http.Header
}

// Result is the judgement: Status 200 means the request reaches the
// workload (audited, if Audit), else the proxy answers 401 or 403.
type Result struct {
	Status int    `json:"status"`
	Reason string `json:"reason"`
	Rule   string `json:"rule"`
	Audit  bool   `json:"audit,omitempty"`
}

const protoTCP = 6

// Check judges q in model m, built with cfg, the connection with ev. Tokens are verified
// against the providers' key sets as the agent would: jwksUri sets are
// fetched through keys.
func Check(ctx context.Context, ev polofl.Evaluator, m *polofl.Model, cfg polofl.Config, keys *jwks.Pool, q Query) (Result, error) {
	j, err := polofl.Judge(ev, m, q.From, q.To, protoTCP, q.Port, q.IPv6)
	if err != nil {
		return Result{}, fmt.Errorf("check: %w", err)
	}
	dst, _ := m.Pod(q.To)
	node, _ := m.Node(dst.Node)
	snap := node.State.Snapshot
	switch {
	case j.Self:
		return Result{Status: http.StatusOK, Reason: ReasonSelf}, nil
	case !j.Allowed:
		rule := j.Ingress.Rule
		if !j.Egress.Passes() {
			src, _ := m.Pod(q.From)
			srcNode, _ := m.Node(src.Node)
			snap, rule = srcNode.State.Snapshot, j.Egress.Rule
		}
		return Result{Status: http.StatusForbidden, Reason: ReasonL4Denied, Rule: ruleName(snap, rule)}, nil
	case j.Ingress.Verdict != policy.Redirect:
		return Result{Status: http.StatusOK, Reason: ReasonNoL7, Rule: ruleName(snap, j.Ingress.Rule)}, nil
	}
	w := snap.Endpoints[dst.Endpoint]
	c := l7.NewCompiler(policy.Options{TrustDomain: cfg.TrustDomain, DefaultDeny: cfg.DefaultDeny})
	c.SetPolicies(policy.Policies{
		NetworkPolicies:          slices.Collect(maps.Values(m.Set.NetworkPolicies)),
		ZeroTrustPolicies:        slices.Collect(maps.Values(m.Set.ZeroTrustPolicies)),
		ClusterZeroTrustPolicies: slices.Collect(maps.Values(m.Set.ClusterZeroTrustPolicies)),
	})
	c.SetPeers(policy.Peers{Identities: snap.Identities})
	p, err := c.Compile(policy.Endpoint{Identity: w.Identity, Pod: m.Set.Pods[q.To]}, q.Port)
	if err != nil {
		return Result{}, fmt.Errorf("check: %w", err)
	}
	if !p.HasHTTP() {
		return Result{Status: http.StatusOK, Reason: ReasonNoL7, Rule: ruleName(snap, j.Ingress.Rule)}, nil
	}
	ns := m.Set.Namespaces[w.Namespace]
	audit := cfg.AuditMode || (ns != nil && ns.Annotations[desired.AuditModeAnnotation] == "true")
	e, err := authz.Compile(p, authz.Options{Keys: keys, Verifier: &jwt.Verifier{}, Audit: audit})
	if err != nil {
		return Result{}, fmt.Errorf("check: %w", err)
	}
	d := e.Decide(ctx, &authz.Request{Method: q.Method, Host: q.Host, Path: authz.CleanPath(q.Path), Header: q.Header, Peer: j.Ingress.Peer})
	r := Result{Status: d.Status, Reason: d.Reason, Rule: d.Rule, Audit: d.Audit}
	if d.Passes() {
		r.Status = http.StatusOK
	}
	return r, nil
}

func ruleName(s *desired.Snapshot, id policy.RuleID) string {
	if id == 0 {
		return ""
	}
	if ref, ok := s.Rules[id]; ok {
		return ref.String()
	}
	return fmt.Sprintf("rule %d", id)
}
