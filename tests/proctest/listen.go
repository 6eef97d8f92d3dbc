package proctest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// notListening returns the ports of ports that no TCP socket listens on in
// the network namespace of process pid.
func notListening(pid int, ports []int) ([]int, error) {
	listening := map[int]bool{}
	for _, f := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			return ports, fmt.Errorf("read listening sockets: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Scan() // header
		for sc.Scan() {
			// sl local_address rem_address st ...; local_address is ADDR:PORT in hex.
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != tcpListen {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if port, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
				listening[int(port)] = true
			}
		}
	}
	var missing []int
	for _, p := range ports {
		if !listening[p] {
			missing = append(missing, p)
		}
	}
	return missing, nil
}
