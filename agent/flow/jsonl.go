package flow

import (
	"context"
	"fmt"
	"os"
)

// JSONLines appends records to a file, one JSON object per line: the flow
// log that zetactl reads when the agent is not running. It is an
// Exporter.
type JSONLines struct {
	f   *os.File
	buf []byte // a batch's lines; owned by Export
}

// maxKeptBuffer bounds the buffer kept between batches: an unusually
// large batch's does not stay allocated.
const maxKeptBuffer = 1 << 20

// OpenJSONLines opens path for appending, creating it readable by its
// owner only: flows name every workload on the node.
func OpenJSONLines(path string) (*JSONLines, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open flow log: %w", err)
	}
	return &JSONLines{f: f}, nil
}

// Name implements Exporter.
func (j *JSONLines) Name() string { return "flowlog" }

// Export implements Exporter: it writes the batch with one system call,
// not one per record or per 4 KiB.
func (j *JSONLines) Export(_ context.Context, batch []*Record) error {
	b := j.buf[:0]
	var encErr error
	for _, r := range batch {
		line, err := appendJSON(b, r)
		if err != nil {
			// Leave the record out; the rest of the batch is written.
			encErr = fmt.Errorf("write flow log: %w", err)
			continue
		}
		b = append(line, '\n')
	}
	_, err := j.f.Write(b)
	if cap(b) <= maxKeptBuffer {
		j.buf = b[:0]
	} else {
		j.buf = nil
	}
	if err != nil {
		return fmt.Errorf("write flow log: %w", err)
	}
	return encErr
}

// Close closes the file.
func (j *JSONLines) Close(context.Context) error {
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("close flow log: %w", err)
	}
	return nil
}
