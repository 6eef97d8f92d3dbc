// Package apiclient is the client of the agent's gRPC API for zetactl:
// Dial connects to the agent's unix socket and tells "the agent is not
// running" (ErrAgentNotRunning: no socket, or nobody listening) from "you
// may not ask" (ErrPermission) before any call, so that zetactl can fall
// back to the pinned maps in the first case and explain the second.
// DialTLS reaches an agent's TCP listener with mutual TLS instead, and
// tells a certificate either side refused (ErrTLS) from nothing listening.
//
// The Client's methods return the agent/inspect and agent/flow types that
// zetactl prints, converted by agent/wire, so that output is the same
// whether it comes from the agent or from the pins. A Client holds one
// connection until Close.
package apiclient
