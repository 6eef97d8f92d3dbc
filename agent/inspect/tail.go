package inspect

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// tail reads a growing file line by line. A line the writer has not
// finished yet is held back until its newline arrives; a file that was
// truncated is read again from the start, and one that was replaced
// (rotated) is reopened.
type tail struct {
	path    string
	f       *os.File
	r       *bufio.Reader
	partial []byte
	offset  int64 // bytes read so far
}

func openTail(path string) (*tail, error) {
	t := &tail{path: path}
	if err := t.open(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tail) open() error {
	f, err := os.Open(t.path)
	if err != nil {
		return fmt.Errorf("open flow log: %w", err)
	}
	t.f, t.r, t.partial, t.offset = f, bufio.NewReader(f), nil, 0
	return nil
}

// next returns the next complete line without its newline, or io.EOF.
func (t *tail) next() ([]byte, error) {
	chunk, err := t.r.ReadBytes('\n')
	t.offset += int64(len(chunk))
	if errors.Is(err, io.EOF) {
		t.partial = append(t.partial, chunk...)
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("read flow log: %w", err)
	}
	line := append(t.partial, chunk[:len(chunk)-1]...)
	t.partial = nil
	return line, nil
}

// reopenIfChanged starts over when the path names another file or the
// file shrank. A path that is gone is waited for.
func (t *tail) reopenIfChanged() error {
	now, err := os.Stat(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat flow log: %w", err)
	}
	cur, err := t.f.Stat()
	if err != nil {
		return fmt.Errorf("stat flow log: %w", err)
	}
	if os.SameFile(now, cur) && now.Size() >= t.offset {
		return nil
	}
	if err := t.f.Close(); err != nil {
		return fmt.Errorf("close flow log: %w", err)
	}
	return t.open()
}

func (t *tail) close() error { return t.f.Close() }
