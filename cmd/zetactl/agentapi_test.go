package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/apiclient"
	"github.com/zeta-net/zeta/agent/apiserver"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/agent/statedir"
)

// TestMain lets a test run this binary as zetactl, as another user.
func TestMain(m *testing.M) {
	if os.Getenv("ZETACTL_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// serveAPI serves the agent's API for bpffs root and state dir as a
// running agent would, with an empty flow hub, until the test ends.
func serveAPI(t *testing.T, root, state string, pipeline *flow.Pipeline, pods map[uint32]string) *flow.Hub {
	t.Helper()
	return serveAPIWith(t, root, state, pipeline, pods, apiserver.Config{})
}

// serveAPIWith is serveAPI with the TCP listener cfg configures.
func serveAPIWith(t *testing.T, root, state string, pipeline *flow.Pipeline, pods map[uint32]string, cfg apiserver.Config) *flow.Hub {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	if pipeline == nil {
		pipeline = &flow.Pipeline{}
	}
	pipeline.Hub = flow.NewHub(flow.DefaultConfig(), log)
	srv := &apiserver.Server{
		Node:     inspect.Node{BPFFSRoot: root, StateDir: state},
		Pipeline: pipeline,
		Live: func() apiserver.Live {
			return apiserver.Live{Version: "v-test", Node: "n1", Health: health.Status{Ready: true, Applied: "h1", Endpoints: 1}, Pods: pods}
		},
		Log: log,
	}
	ctx, cancel := context.WithCancel(context.Background())
	sock := filepath.Join(state, statedir.APISocket)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, sock, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("api server: %v", err)
		}
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			if cfg.Address == "" {
				return pipeline.Hub
			}
			if c, err := net.Dial("tcp", cfg.Address); err == nil {
				c.Close()
				return pipeline.Hub
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("api socket never answered")
		}
	}
}

// TestAgentAPI: with an agent serving its API, the commands that read the
// pins give the same answers through it, and the pod names it adds.
func TestAgentAPI(t *testing.T) {
	n, _ := newTestNode(t)
	ifindex := strconv.Itoa(int(n.ifindex))
	commands := [][]string{
		{"endpoint", "list", "-o", "json"},
		{"identity", "list", "-o", "json"},
		{"ct", "list", "--protocol", "tcp", "-o", "json"},
		{"metrics", "-o", "json"},
		{"policy", "get", ifindex, "-o", "json"},
	}
	offline := map[string]string{}
	for _, args := range commands {
		offline[strings.Join(args, " ")] = n.mustZetactl(t, args...)
	}

	hub := serveAPI(t, n.root, n.state, &flow.Pipeline{Counters: n.dp.Objects.Counters}, map[uint32]string{n.ifindex: "shop/web"})
	for _, args := range commands {
		key := strings.Join(args, " ")
		got, want := n.mustZetactl(t, args...), offline[key]
		switch args[0] {
		case "endpoint":
			var eps inspect.EndpointList
			if err := json.Unmarshal([]byte(got), &eps); err != nil || len(eps) != 1 || eps[0].Pod != "shop/web" {
				t.Errorf("%s through the API: no pod: %s", key, got)
			}
			want = strings.Replace(want, `"enforce-ingress",`+"\n"+`      "audit-egress"`+"\n"+`    ]`,
				`"enforce-ingress",`+"\n"+`      "audit-egress"`+"\n"+`    ],`+"\n"+`    "pod": "shop/web"`, 1)
		case "policy":
			// The agent names the endpoint's pod; the pins cannot.
			var pol inspect.EndpointPolicy
			if err := json.Unmarshal([]byte(got), &pol); err != nil || pol.Endpoint.Pod != "shop/web" || len(pol.Entries) == 0 {
				t.Errorf("%s through the API: no pod or no entries: %s", key, got)
			}
			pol.Endpoint.Pod = ""
			got, want = reindent(t, pol), reindent(t, json.RawMessage(want))
		case "ct":
			// A second may pass between the two reads.
			got, want = dropField(got, "expires_in_seconds"), dropField(want, "expires_in_seconds")
		}
		if got != want {
			t.Errorf("%s: through the API\n%s\nfrom the pins\n%s", key, got, want)
		}
	}

	t.Run("status", func(t *testing.T) {
		var st inspect.Status
		if err := json.Unmarshal([]byte(n.mustZetactl(t, "status", "-o", "json")), &st); err != nil {
			t.Fatal(err)
		}
		if st.Version != "v-test" || !st.Agent.Running || st.Agent.Health == nil || !st.Agent.Health.Ready ||
			st.FlowPipeline == nil || st.FlowPipeline.BufferSize != flow.DefaultConfig().Buffer || st.FlowEvents == nil {
			t.Errorf("status through the API: %+v", st)
		}
		checkStatus(t, &st, n, "")
		contains(t, "status", n.mustZetactl(t, "status"), "v-test", "Flow pipeline", "zeta_from_pod")
	})

	t.Run("unknown endpoint", func(t *testing.T) {
		c, err := apiclient.Dial(t.Context(), filepath.Join(n.state, statedir.APISocket))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Policy(t.Context(), 99999)
		if !errors.Is(err, inspect.ErrUnknownEndpoint) || !strings.HasPrefix(err.Error(), "unknown endpoint 99999:") {
			t.Errorf("policy of an unknown endpoint through the API: %v", err)
		}
		pol, err := (&options{node: inspect.Node{BPFFSRoot: n.root, StateDir: n.state}}).endpointPolicy(t.Context(), n.ifindex)
		if err != nil || pol.Endpoint.Pod != "shop/web" {
			t.Errorf("endpointPolicy: %+v, %v", pol, err)
		}
		if code, _, stderr := n.zetactl(t, "policy", "get", "99999"); code != exitError || !strings.Contains(stderr, "zetactl: unknown endpoint 99999") {
			t.Errorf("policy get of an unknown endpoint through the API: exit %d, %q", code, stderr)
		}
	})

	t.Run("flows", func(t *testing.T) {
		for i, from := range []string{"client", "other", "client"} {
			hub.Publish(&flow.Record{
				Time: time.Now(), Node: "n1", Verdict: flow.VerdictAllowed, Direction: "ingress", Protocol: "TCP",
				Source:      flow.Peer{IP: "10.0.0.1", Port: uint16(40000 + i), Namespace: "shop", Pod: from},
				Destination: flow.Peer{IP: "10.0.0.2", Port: 80, Namespace: "shop", Pod: "web"},
			})
		}
		out := n.mustZetactl(t, "flows", "--from-pod", "shop/client", "-o", "json")
		if strings.Count(out, "\n") != 2 || !strings.Contains(out, `"port":40000`) || !strings.Contains(out, `"port":40002`) {
			t.Errorf("flows through the API:\n%s", out)
		}
		// The flow log (populate wrote one record) is not read.
		if out := n.mustZetactl(t, "observe", "--verdict", "denied"); out != "" {
			t.Errorf("observe --verdict denied: %q", out)
		}

		// Following: the records in memory, then new ones.
		ctx, cancel := context.WithCancel(t.Context())
		var stdout, stderr syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"--bpffs-root", n.root, "--state-dir", n.state, "flows", "-f", "--last", "1", "--to-pod", "shop/web"}, &stdout, &stderr)
		}()
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stdout.String(), ":40002 ->"); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no backlog: %q %q", stdout.String(), stderr.String())
			}
		}
		hub.Publish(&flow.Record{
			Time: time.Now(), Node: "n1", Verdict: flow.VerdictDenied, DropReason: "policy_deny", Direction: "ingress", Protocol: "TCP",
			Source:      flow.Peer{IP: "10.0.0.9", Port: 41000},
			Destination: flow.Peer{IP: "10.0.0.2", Port: 80, Namespace: "shop", Pod: "web"},
		})
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stdout.String(), "reason=policy_deny"); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no new record: %q %q", stdout.String(), stderr.String())
			}
		}
		cancel()
		if code := <-done; code != exitOK || strings.Count(stdout.String(), "\n") != 2 {
			t.Errorf("flows -f: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
	})
}

// reindent writes v as indented JSON, for comparing outputs.
func reindent(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dropField removes the lines of a JSON field from indented output.
func dropField(s, field string) string {
	var out []string
	for line := range strings.Lines(s) {
		if !strings.Contains(line, `"`+field+`"`) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// TestAgentSocketPermission runs zetactl as an unprivileged user against
// an agent's socket: it must say that the socket is root's only, not that
// the agent is down, and not fall back to the pins.
func TestAgentSocketPermission(t *testing.T) {
	requireRoot(t)
	dir, err := os.MkdirTemp("", "zetactl-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // searchable by anyone; the socket is not
		t.Fatal(err)
	}
	serveAPI(t, dir, dir, nil, nil)
	bin := filepath.Join(dir, "zetactl")
	copyFile(t, os.Args[0], bin, 0o755)

	for _, args := range [][]string{{"status"}, {"flows"}, {"endpoint", "list"}} {
		cmd := exec.Command(bin, append([]string{"--state-dir", dir, "--bpffs-root", dir}, args...)...)
		cmd.Env = append(os.Environ(), "ZETACTL_TEST_MAIN=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		want := "zetactl: permission denied on " + filepath.Join(dir, statedir.APISocket) + ": the agent's API socket is root's only; run zetactl as root"
		if !errors.As(err, &exit) || exit.ExitCode() != exitError || !strings.Contains(stderr.String(), want) {
			t.Errorf("zetactl %s as nobody: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	}
}

// TestStaleSocket: a socket nobody listens on means the agent is not
// running, and zetactl reads the flow log.
func TestStaleSocket(t *testing.T) {
	state := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(state, statedir.APISocket))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	rec := `{"time":"2025-03-04T05:06:07Z","node":"n1","verdict":"ALLOWED","protocol":"TCP","source":{"ip":"10.0.0.1","port":40000},"destination":{"ip":"10.0.0.2","port":80}}` + "\n"
	if err := os.WriteFile(filepath.Join(state, statedir.Flows), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := zetactl(t, "--state-dir", state, "flows", "--port", "80")
	if code != exitOK || !strings.Contains(stdout, "10.0.0.1:40000 -> 10.0.0.2:80 TCP ALLOWED") {
		t.Errorf("flows with a stale socket: exit %d\n%s%s", code, stdout, stderr)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
