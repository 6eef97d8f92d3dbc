package flow

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// JSONLines appends records to a file, one JSON object per line: the flow
// log that zetactl reads when the agent is not running. It is an
// Exporter.
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

// Name implements Exporter.
func (j *JSONLines) Name() string { return "flowlog" }

// Export implements Exporter: it writes the batch and flushes it.
func (j *JSONLines) Export(_ context.Context, batch []*Record) error {
	for _, r := range batch {
		if err := j.enc.Encode(r); err != nil {
			return fmt.Errorf("write flow log: %w", err)
		}
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("write flow log: %w", err)
	}
	return nil
}

// Close flushes and closes the file.
func (j *JSONLines) Close(context.Context) error {
	if err := errors.Join(j.w.Flush(), j.f.Close()); err != nil {
		return fmt.Errorf("close flow log: %w", err)
	}
	return nil
}
