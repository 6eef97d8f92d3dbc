package rsyslogtest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/tests/pkitest"
	"github.com/zeta-net/zeta/tests/proctest"
)

// Transports, the names Addr takes (as the syslog exporter names them).
const (
	TLS = "tls"
	TCP = "tcp"
	UDP = "udp"
)

// Options place rsyslogd.
type Options struct {
	// Netns is the path of the network namespace to run in; empty: the
	// test's own.
	Netns string
	// Host is the address the inputs listen on (default 127.0.0.1). The
	// TLS input's certificate names localhost, 127.0.0.1 and ::1: clients
	// of another address verify the name localhost.
	Host string
}

// Rsyslog is a running rsyslogd.
type Rsyslog struct {
	// PKI holds the TLS input's CA and certificate and the client
	// certificate it permits.
	PKI pkitest.Files
	// RawLog and ParsedLog are the files it writes.
	RawLog, ParsedLog string
	host              string
	ports             map[string]int
	proc              *proctest.Process
}

// Start configures and starts rsyslogd for t; it stops when t ends.
func Start(t testing.TB, o Options) *Rsyslog {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		t.Fatal("rsyslogd is not installed: this test needs a real syslog receiver (apt-get install rsyslog rsyslog-openssl)")
	}
	if matches, _ := filepath.Glob("/usr/lib/*/rsyslog/lmnsd_ossl.so"); len(matches) == 0 {
		t.Fatal("rsyslog's OpenSSL driver is not installed: apt-get install rsyslog-openssl")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	dir := t.TempDir()
	r := &Rsyslog{
		PKI: pkitest.Mint(t, dir), host: o.Host,
		RawLog: filepath.Join(dir, "raw.log"), ParsedLog: filepath.Join(dir, "parsed.log"),
		ports: map[string]int{TLS: proctest.FreePort(t, "tcp"), TCP: proctest.FreePort(t, "tcp"), UDP: proctest.FreePort(t, "udp")},
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`global(workDirectory=%[1]q maxMessageSize="64k"
  defaultNetstreamDriver="ossl"
  defaultNetstreamDriverCAFile=%[2]q
  defaultNetstreamDriverCertFile=%[3]q
  defaultNetstreamDriverKeyFile=%[4]q)
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address=%[11]q port="%[5]d" ruleset="flows"
  streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="x509/name" permittedPeer=[%[6]q])
input(type="imtcp" address=%[11]q port="%[7]d" ruleset="flows" streamDriver.name="ptcp" streamDriver.mode="0")
input(type="imudp" address=%[11]q port="%[8]d" ruleset="flows")
template(name="raw" type="string" string="%%rawmsg%%\n")
template(name="parsed" type="string"
  string="%%syslogfacility%%\t%%syslogseverity%%\t%%timereported:::date-rfc3339%%\t%%hostname%%\t%%app-name%%\t%%procid%%\t%%msgid%%\t%%structured-data%%\t%%msg%%\n")
ruleset(name="flows") {
  action(type="omfile" file=%[9]q template="raw")
  action(type="omfile" file=%[10]q template="parsed")
}
`, work, r.PKI.CA, r.PKI.ServerCert, r.PKI.ServerKey,
		r.ports[TLS], pkitest.ClientName, r.ports[TCP], r.ports[UDP], r.RawLog, r.ParsedLog, o.Host)
	confFile := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-N1", "-f", confFile).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd rejects its configuration: %v\n%s", err, out)
	}
	r.proc = &proctest.Process{
		Name: "rsyslogd", Netns: o.Netns, Timeout: 10 * time.Second,
		Args:  []string{bin, "-n", "-f", confFile, "-i", filepath.Join(dir, "rsyslogd.pid")},
		Ports: []int{r.ports[TLS], r.ports[TCP]}, // ready when both stream inputs listen
	}
	r.proc.Start(t)
	t.Cleanup(func() { r.Stop(t) })
	return r
}

// Addr is the host:port of a transport's input.
func (r *Rsyslog) Addr(transport string) string {
	return net.JoinHostPort(r.host, strconv.Itoa(r.ports[transport]))
}

// Start starts a stopped rsyslogd again.
func (r *Rsyslog) Start(t testing.TB) {
	t.Helper()
	r.proc.Start(t)
}

// Stop ends rsyslogd and waits until it has exited and closed its
// connections.
func (r *Rsyslog) Stop(t testing.TB) {
	t.Helper()
	r.proc.Stop(t)
}

// Lines reads a log file; a missing file has no lines.
func Lines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// WaitLines waits until path has at least n lines that contain marker,
// and returns those lines; it fails the test when timeout passes first.
func WaitLines(t testing.TB, path, marker string, n int, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got []string
		for _, l := range Lines(t, path) {
			if strings.Contains(l, marker) {
				got = append(got, l)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d lines with %q after %v, want %d", filepath.Base(path), len(got), marker, timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
