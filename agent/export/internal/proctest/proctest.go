// Package proctest waits for a receiver process a test started (the
// OpenTelemetry Collector, rsyslogd) to accept connections.
package proctest

import (
	"bytes"
	"net"
	"strconv"
	"testing"
	"time"
)

// WaitListening returns once every port on 127.0.0.1 accepts a TCP
// connection; it fails the test if the process exits (exited is closed) or
// timeout passes first, quoting its stderr.
func WaitListening(t testing.TB, name string, exited <-chan struct{}, stderr *bytes.Buffer, ports []int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, port := range ports {
		for {
			conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
			if err == nil {
				_ = conn.Close()
				break
			}
			select {
			case <-exited:
				t.Fatalf("%s exited: %s", name, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not listen on %d: %v\n%s", name, port, err, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
