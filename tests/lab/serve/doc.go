// Package serve owns the servers that stand in for the pods' containers:
// for every containerPort of every pod, a TCP listener or a UDP socket for
// each of IPv4 and IPv6, opened inside the pod's network namespace.
//
// A TCP server writes Greeting(pod) to every connection, then echoes what it
// reads until EOF or an idle timeout. A UDP server echoes every datagram.
// SCTP ports are skipped with a log line.
//
// One process per cluster runs all servers (Run): it outlives the command
// that built the cluster, and the lab tells it the full set of pods through
// a control socket (Configure), once at start and after every change. Run
// opens what is new and closes what is gone, so connections to pods that
// stay are never disturbed. It must close a pod's sockets before the pod's
// namespace is deleted, or the sockets keep the namespace alive.
package serve
