package syslog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/zeta-net/zeta/agent/export/internal/proctest"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/export/internal/pkitest"
)

// rsyslogd is a real rsyslog receiving on loopback: RFC 5425 TLS with
// mutual authentication, plain TCP with octet counting, and UDP. It writes
// each message twice: raw.log as received (%rawmsg%) and parsed.log as
// rsyslog parsed it, tab-separated.
type rsyslogd struct {
	t                 *testing.T
	dir, conf, pid    string
	pki               pkitest.Files
	tlsPort, tcpPort  int
	udpPort           int
	cmd               *exec.Cmd
	exited            chan struct{}
	stderr            bytes.Buffer
	rawLog, parsedLog string
}

// startRsyslog configures and starts rsyslogd in a temporary directory;
// it is stopped when the test ends.
func startRsyslog(t *testing.T) *rsyslogd {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		t.Fatal("rsyslogd is not installed: the syslog exporter tests need a real receiver (apt-get install rsyslog rsyslog-openssl)")
	}
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so"); err != nil {
		if matches, _ := filepath.Glob("/usr/lib/*/rsyslog/lmnsd_ossl.so"); len(matches) == 0 {
			t.Fatal("rsyslog's OpenSSL driver is not installed: apt-get install rsyslog-openssl")
		}
	}
	dir := t.TempDir()
	r := &rsyslogd{
		t: t, dir: dir, conf: filepath.Join(dir, "rsyslog.conf"), pid: filepath.Join(dir, "rsyslogd.pid"),
		pki:    pkitest.Mint(t, dir),
		rawLog: filepath.Join(dir, "raw.log"), parsedLog: filepath.Join(dir, "parsed.log"),
		tlsPort: freePort(t, "tcp"), tcpPort: freePort(t, "tcp"), udpPort: freePort(t, "udp"),
	}
	if err := os.Mkdir(filepath.Join(dir, "work"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`global(workDirectory=%[1]q maxMessageSize="64k"
  defaultNetstreamDriver="ossl"
  defaultNetstreamDriverCAFile=%[2]q
  defaultNetstreamDriverCertFile=%[3]q
  defaultNetstreamDriverKeyFile=%[4]q)
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="%[5]d" ruleset="flows"
  streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="x509/name" permittedPeer=[%[6]q])
input(type="imtcp" address="127.0.0.1" port="%[7]d" ruleset="flows" streamDriver.name="ptcp" streamDriver.mode="0")
input(type="imudp" address="127.0.0.1" port="%[8]d" ruleset="flows")
template(name="raw" type="string" string="%%rawmsg%%\n")
template(name="parsed" type="string"
  string="%%syslogfacility%%\t%%syslogseverity%%\t%%timereported:::date-rfc3339%%\t%%hostname%%\t%%app-name%%\t%%procid%%\t%%msgid%%\t%%structured-data%%\t%%msg%%\n")
ruleset(name="flows") {
  action(type="omfile" file=%[9]q template="raw")
  action(type="omfile" file=%[10]q template="parsed")
}
`, filepath.Join(dir, "work"), r.pki.CA, r.pki.ServerCert, r.pki.ServerKey,
		r.tlsPort, pkitest.ClientName, r.tcpPort, r.udpPort, r.rawLog, r.parsedLog)
	if err := os.WriteFile(r.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-N1", "-f", r.conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd rejects its configuration: %v\n%s", err, out)
	}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *rsyslogd) start() {
	r.t.Helper()
	r.stderr.Reset()
	r.cmd = exec.Command("rsyslogd", "-n", "-f", r.conf, "-i", r.pid)
	r.cmd.Stdout, r.cmd.Stderr = &r.stderr, &r.stderr
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start rsyslogd: %v", err)
	}
	r.exited = make(chan struct{})
	go func() {
		_ = r.cmd.Wait()
		close(r.exited)
	}()
	// Ready when both stream inputs accept connections.
	proctest.WaitListening(r.t, "rsyslogd", r.exited, &r.stderr, []int{r.tlsPort, r.tcpPort}, 10*time.Second)
}

// stop ends rsyslogd with SIGTERM and waits until it has exited and
// closed its connections.
func (r *rsyslogd) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
		r.t.Errorf("rsyslogd did not stop on SIGTERM")
	}
	r.cmd = nil
}

func (r *rsyslogd) addr(transport string) string {
	port := map[string]int{TLS: r.tlsPort, TCP: r.tcpPort, UDP: r.udpPort}[transport]
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// lines reads a log file; a missing file has no lines.
func lines(t *testing.T, path string) []string {
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

// waitLines waits until path has at least n lines whose text contains
// marker, and returns those lines.
func waitLines(t *testing.T, path, marker string, n int, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got []string
		for _, l := range lines(t, path) {
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

// freePort finds a loopback port that is free now.
func freePort(t *testing.T, network string) int {
	t.Helper()
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	default:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
