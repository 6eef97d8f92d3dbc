package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/flow"
)

func flowJSON(t *testing.T, node, verdict string) string {
	t.Helper()
	b, err := json.Marshal(flow.Record{Time: flowTime, Node: node, Verdict: verdict, Protocol: "TCP"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func writeFile(t *testing.T, path, data string, flag int) {
	t.Helper()
	f, err := os.OpenFile(path, flag|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readNodes(t *testing.T, r *FlowReader) []string {
	t.Helper()
	var nodes []string
	err := r.Read(t.Context(), func(rec *flow.Record) error {
		nodes = append(nodes, rec.Node)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return nodes
}

func TestFlowReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.jsonl")
	var log strings.Builder
	for i := range 5 {
		verdict := "ALLOWED"
		if i%2 == 1 {
			verdict = "DENIED"
		}
		log.WriteString(flowJSON(t, fmt.Sprint(i), verdict))
		if i == 2 {
			log.WriteString("{\"time\": \"cut short\n\n")
		}
	}
	log.WriteString(`{"node":"unfinished"`) // the agent has not written its newline yet
	writeFile(t, path, log.String(), os.O_TRUNC)

	r := &FlowReader{Path: path}
	if got := strings.Join(readNodes(t, r), " "); got != "0 1 2 3 4" {
		t.Errorf("all: got %q", got)
	}
	if r.Skipped() != 1 {
		t.Errorf("skipped %d lines, want 1", r.Skipped())
	}
	denied, err := NewFlowFilter("DENIED", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(readNodes(t, &FlowReader{Path: path, Last: 2}), " "); got != "3 4" {
		t.Errorf("last 2: got %q", got)
	}
	if got := strings.Join(readNodes(t, &FlowReader{Path: path, Last: 1, Filter: denied}), " "); got != "3" {
		t.Errorf("last denied: got %q", got)
	}
	if got := strings.Join(readNodes(t, &FlowReader{Path: path, Last: 10}), " "); got != "0 1 2 3 4" {
		t.Errorf("last 10: got %q", got)
	}
	if err := (&FlowReader{Path: path + ".missing"}).Read(t.Context(), nil); err == nil {
		t.Error("reading a missing log succeeded")
	}
}

func TestFlowReaderFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.jsonl")
	writeFile(t, path, flowJSON(t, "old1", "ALLOWED")+flowJSON(t, "old2", "ALLOWED"), os.O_TRUNC)

	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan string)
	done := make(chan error, 1)
	r := &FlowReader{Path: path, Last: 1, Follow: true, Poll: time.Millisecond}
	go func() {
		done <- r.Read(ctx, func(rec *flow.Record) error {
			got <- rec.Node
			return nil
		})
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case n := <-got:
			if n != want {
				t.Fatalf("got record %q, want %q", n, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no record %q", want)
		}
	}
	expect("old2")

	// A line written in two pieces is one record.
	line := flowJSON(t, "new1", "ALLOWED")
	writeFile(t, path, line[:10], os.O_APPEND)
	writeFile(t, path, line[10:], os.O_APPEND)
	expect("new1")

	// Truncated: read again from the start.
	writeFile(t, path, flowJSON(t, "trunc", "ALLOWED"), os.O_TRUNC)
	expect("trunc")

	// Rotated: the path names a new file.
	rotated := filepath.Join(filepath.Dir(path), "rotated")
	writeFile(t, rotated, flowJSON(t, "rot1", "ALLOWED")+flowJSON(t, "rot2", "ALLOWED"), os.O_TRUNC)
	if err := os.Rename(rotated, path); err != nil {
		t.Fatal(err)
	}
	expect("rot1")
	expect("rot2")

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("follow ended with %v", err)
	}
}
