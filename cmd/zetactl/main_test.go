package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/agent/flow"
)

// zetactl runs one command line and returns its exit code and output.
func zetactl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	empty := t.TempDir()
	global := []string{"--bpffs-root", empty, "--state-dir", empty}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{args: nil, code: exitOK},
		{args: []string{"endpoint"}, code: exitOK},
		{args: []string{"policy", "get", "--help"}, code: exitOK},
		{args: []string{"completion", "bash"}, code: exitOK},
		{args: []string{"bogus"}, code: exitUsage, stderr: `unknown command "bogus"`},
		{args: []string{"endpoint", "bogus"}, code: exitUsage, stderr: `unknown command "bogus"`},
		{args: []string{"endpoint", "list", "--bogus"}, code: exitUsage, stderr: "unknown flag"},
		{args: []string{"endpoint", "list", "-o", "xml"}, code: exitUsage, stderr: `unknown output format "xml"`},
		{args: []string{"policy", "get"}, code: exitUsage, stderr: "accepts 1 arg"},
		{args: []string{"policy", "get", "web"}, code: exitUsage, stderr: `bad endpoint "web"`},
		{args: []string{"ct", "list", "--protocol", "tcpx"}, code: exitUsage, stderr: `unknown protocol "tcpx"`},
		{args: []string{"ct", "list", "--port", "70000"}, code: exitUsage, stderr: "invalid argument"},
		{args: []string{"flows", "--verdict", "DROPPED"}, code: exitUsage, stderr: `unknown verdict "DROPPED"`},
		{args: []string{"flows", "--pod", "web"}, code: exitUsage, stderr: `bad pod "web"`},
		{args: []string{"flows", "--last", "-1"}, code: exitUsage, stderr: "--last"},
		{args: []string{"endpoint", "list"}, code: exitError, stderr: "datapath not installed"},
		{args: []string{"policy", "get", "3"}, code: exitError, stderr: "datapath not installed"},
		{args: []string{"flows"}, code: exitError, stderr: "open flow log"},
		{args: []string{"status"}, code: exitError, stderr: "status incomplete"},
	} {
		code, _, stderr := zetactl(t, append(global, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("zetactl %s: exit %d, stderr %q; want exit %d, stderr with %q",
				strings.Join(tc.args, " "), code, stderr, tc.code, tc.stderr)
		}
	}
}

func TestHelpDocumentsExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"status", "--help"}, {"flows", "--help"}, {"ct", "list", "--help"}} {
		_, stdout, _ := zetactl(t, args...)
		if !strings.Contains(stdout, exitCodesHelp) {
			t.Errorf("zetactl %s does not document the exit codes:\n%s", strings.Join(args, " "), stdout)
		}
	}
}

func TestFlows(t *testing.T) {
	state := t.TempDir()
	log := `{"time":"2025-03-04T05:06:07Z","node":"n1","verdict":"ALLOWED","protocol":"TCP","source":{"ip":"10.0.0.1","port":40000,"namespace":"shop","pod":"client"},"destination":{"ip":"10.0.0.2","port":80,"namespace":"shop","pod":"web"}}
{"time":"2025-03-04T05:06:08Z","node":"n1","verdict":"DENIED","drop_reason":"policy_deny","protocol":"UDP","source":{"ip":"10.0.0.1","port":5353,"namespace":"shop","pod":"client"},"destination":{"ip":"192.0.2.1","port":53}}
not json
`
	if err := os.WriteFile(filepath.Join(state, "flows.jsonl"), []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := zetactl(t, "--state-dir", state, "flows", "--pod", "shop/client", "--verdict", "denied")
	if code != exitOK || !strings.Contains(stdout, "shop/client:5353 -> 192.0.2.1:53 UDP DENIED reason=policy_deny") ||
		strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "skipped 1 line(s)") {
		t.Errorf("flows: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = zetactl(t, "--state-dir", state, "flows", "--last", "1", "-o", "json")
	var rec flow.Record
	if err := json.Unmarshal([]byte(stdout), &rec); code != exitOK || err != nil || rec.Verdict != "DENIED" || rec.Destination.Port != 53 {
		t.Errorf("flows -o json: exit %d, %v: %s", code, err, stdout)
	}
}
