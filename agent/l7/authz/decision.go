package authz

import (
	"maps"
	"net/http"
)

// Reasons of decisions: a small fixed set, for metrics labels.
const (
	ReasonAllowed           = "allowed"
	ReasonNotEnforced       = "not-enforced"
	ReasonNoRule            = "no-rule"
	ReasonDenyRule          = "deny-rule"
	ReasonAuditRule         = "audit-rule"
	ReasonNoMatch           = "no-match"
	ReasonInsufficientScope = "insufficient-scope"
	ReasonMissingClaim      = "missing-claim"
	// ReasonTokenPrefix precedes jwt.Reason: "token-missing",
	// "token-expired", "token-signature", ...
	ReasonTokenPrefix = "token-"
)

// Decision is the judgement of one request.
type Decision struct {
	// Status is 200 when the request may reach the workload, else 401 or
	// 403: the answer the proxy gives, or in audit mode would give.
	Status int
	// Audit is set when the request passes although Status says it would
	// not (audit mode, or an Audit rule).
	Audit  bool
	Reason string
	// Rule names the rule that decided; empty when none did.
	Rule string
	// Issuer and Subject are those of the token that authenticated the
	// request, if one did.
	Issuer, Subject string

	// header edits the workload's request needs: removed first, then set.
	remove []string
	set    http.Header
}

// Passes reports whether the request goes on to the workload.
func (d *Decision) Passes() bool { return d.Status == http.StatusOK || d.Audit }

// Apply edits the request headers for the workload: forged claim headers
// and removed tokens out, forwarded claims in.
func (d *Decision) Apply(h http.Header) {
	for _, n := range d.remove {
		h.Del(n)
	}
	maps.Copy(h, d.set)
}

// Challenge returns the WWW-Authenticate value of a 401 or 403 that a
// token decided (RFC 6750 section 3), or "".
func (d *Decision) Challenge() string {
	switch {
	case d.Status == http.StatusUnauthorized:
		return `Bearer error="invalid_token"`
	case d.Status == http.StatusForbidden && (d.Reason == ReasonInsufficientScope || d.Reason == ReasonMissingClaim):
		return `Bearer error="insufficient_scope"`
	}
	return ""
}
