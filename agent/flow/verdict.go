package flow

import (
	"strings"

	"github.com/zeta-net/zeta/policy"
)

// The verdicts of records.
const (
	VerdictAllowed    = "ALLOWED"
	VerdictDenied     = "DENIED"
	VerdictAudit      = "AUDIT"
	VerdictRedirected = "REDIRECTED"
)

// Verdicts lists the verdicts of records.
var Verdicts = []string{VerdictAllowed, VerdictDenied, VerdictAudit, VerdictRedirected}

// VerdictName names a datapath verdict as records show it; a verdict this
// version does not know shows as its upper-case name.
func VerdictName(v policy.Verdict) string {
	if n, ok := verdictNames[v]; ok {
		return n
	}
	return strings.ToUpper(v.String())
}
