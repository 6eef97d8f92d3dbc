// Package ocsf maps flow records to OCSF (Open Cybersecurity Schema
// Framework) 1.3.0 Network Activity events (class 4001) with the host and
// security_control profiles, encoded as JSON. Kubernetes and Zeta fields
// that OCSF has no place for go under unmapped.zeta. docs/export.md lists
// the mapping.
package ocsf
