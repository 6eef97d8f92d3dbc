// Package e2e tests Zeta end to end in the sandbox: real agents on a
// cluster of network namespaces, real sockets, real kernel. The tests need
// root; each builds its own cluster under a unique name and removes it
// when it ends, also when it fails.
package e2e
