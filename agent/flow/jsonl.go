package flow

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// JSONLines appends records to a file, one JSON object per line.
type JSONLines struct {
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
}

// OpenJSONLines opens path for appending, creating it readable by its
// owner only: flows name every workload on the node.
func OpenJSONLines(path string) (*JSONLines, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open flow log: %w", err)
	}
	w := bufio.NewWriter(f)
	return &JSONLines{f: f, w: w, enc: json.NewEncoder(w)}, nil
}

// Write implements Sink.
func (j *JSONLines) Write(r *Record) error { return j.enc.Encode(r) }

// Flush implements Sink.
func (j *JSONLines) Flush() error { return j.w.Flush() }

// Close flushes and closes the file.
func (j *JSONLines) Close() error {
	if err := errors.Join(j.w.Flush(), j.f.Close()); err != nil {
		return fmt.Errorf("close flow log: %w", err)
	}
	return nil
}
