package proctest

import (
	"net"
	"os"
	"slices"
	"testing"
)

// TestNotListening reads this process's own listening sockets: a port
// with a listener is found, over IPv4 and IPv6, and a closed one is not.
func TestNotListening(t *testing.T) {
	var ports []int
	for _, network := range []string{"tcp4", "tcp6"} {
		host := map[string]string{"tcp4": "127.0.0.1:0", "tcp6": "[::1]:0"}[network]
		l, err := net.Listen(network, host)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	closed := FreePort(t, "tcp")
	missing, err := notListening(os.Getpid(), append(ports, closed))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []int{closed}) {
		t.Errorf("not listening: %v, want [%d] (listening: %v)", missing, closed, ports)
	}
}
