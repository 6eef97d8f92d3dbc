// Package labns owns the named network namespaces of the sandbox: files in
// /run/netns bind-mounted to a namespace, as `ip netns add` makes them, so
// that nsenter, ip and the agent find them by path.
//
// Create and Delete never move the caller between namespaces. Do runs a
// function inside a namespace on a fresh goroutine locked to its OS thread
// and moves the thread back afterwards; if moving back fails the thread
// stays locked, so the Go runtime destroys it instead of reusing it in the
// wrong namespace. Sockets and netlink handles opened inside Do stay in the
// namespace they were opened in, so only their creation needs Do.
//
// A namespace lives until Delete unmounts it and the last process, socket
// or open file that holds it goes away.
package labns
