// Package unixhttp talks HTTP over a unix socket: how the lab reaches the
// servers' control socket and the agents' health socket.
package unixhttp
