package file

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
	"github.com/zeta-net/zeta/agent/flow"
)

var _ flow.Exporter = (*Exporter)(nil)

func readRecords(t *testing.T, path string) []flow.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []flow.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r flow.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, r)
	}
	return out
}

func TestWritesJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.jsonl")
	e, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	in := flowtest.Records()
	if err := e.Export(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := readRecords(t, path)
	for i := range in {
		if !reflect.DeepEqual(got[i], *in[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], *in[i])
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if s := e.Stats(); s != (export.Stats{Exported: 3}) {
		t.Errorf("Stats = %+v", s)
	}
	if err := e.Export(context.Background(), in); !errors.Is(err, export.ErrClosed) {
		t.Errorf("Export after Close = %v", err)
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flows.jsonl")
	one, _ := json.Marshal(flowtest.Numbered(10000, 1)[0])
	line := int64(len(one) + 1) // every numbered record has the same length
	e, err := New(Config{Path: path, MaxSize: 10 * line, MaxBackups: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Batches of 4: 4, 8, then 12 > 10 rotates; 64 records make files of 8.
	for i := 0; i < 64; i += 4 {
		if err := e.Export(context.Background(), flowtest.Numbered(10000+i, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, first := range map[string]int{"flows.jsonl": 56, "flows.jsonl.1": 48, "flows.jsonl.2": 40} {
		recs := readRecords(t, filepath.Join(dir, name))
		if len(recs) != 8 {
			t.Errorf("%s has %d records, want 8", name, len(recs))
		}
		for i, r := range recs {
			if int(r.Source.Port) != 10000+first+i {
				t.Errorf("%s record %d is %d, want %d", name, i, r.Source.Port, 10000+first+i)
			}
		}
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() > 10*line {
			t.Errorf("%s: %v, size %d > max %d", name, err, st.Size(), 10*line)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "flows.jsonl.3")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a third backup exists: %v", err)
	}
	if s := e.Stats(); s != (export.Stats{Exported: 64}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestRotationWithoutBackups(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flows.jsonl")
	e, err := New(Config{Path: path, MaxSize: 1, MaxBackups: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	for i := range 3 {
		if err := e.Export(context.Background(), flowtest.Numbered(i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	// A batch larger than the limit is still written, alone in its file.
	if recs := readRecords(t, path); len(recs) != 1 || recs[0].Source.Port != 2 {
		t.Errorf("file holds %+v, want only the last record", recs)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory has %d files, want 1", len(entries))
	}
}

func TestAppendsToExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.jsonl")
	for i := range 2 {
		e, err := New(Config{Path: path, MaxSize: 1 << 20, MaxBackups: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Export(context.Background(), flowtest.Numbered(i, 1)); err != nil {
			t.Fatal(err)
		}
		_ = e.Close(context.Background())
	}
	if n := len(readRecords(t, path)); n != 2 {
		t.Errorf("%d records after reopening, want 2", n)
	}
}

func TestValidate(t *testing.T) {
	for i, c := range []Config{{}, {Path: "x", MaxSize: -1}, {Path: "x", MaxBackups: -1}} {
		if err := c.Validate(); err == nil {
			t.Errorf("config %d: Validate = nil", i)
		}
	}
	if _, err := New(Config{Path: filepath.Join(t.TempDir(), "missing", "dir", "f")}); err == nil {
		t.Error("New in a missing directory succeeded")
	}
}
