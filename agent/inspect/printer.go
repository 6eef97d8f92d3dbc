package inspect

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"
)

// Format is an output format.
type Format string

// The output formats.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatYAML  Format = "yaml"
)

// Formats lists every format, for help and completion.
var Formats = []string{string(FormatTable), string(FormatJSON), string(FormatYAML)}

// ParseFormat accepts one of Formats.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatTable, FormatJSON, FormatYAML:
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q (want %s)", s, strings.Join(Formats, ", "))
}

// Table is rows under a header, with an optional title.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
}

// Tabler is a result that shows as one or more tables. JSON and YAML
// marshal the result itself.
type Tabler interface {
	Tables() []Table
}

// Printer writes results in one format.
type Printer struct {
	w      io.Writer
	format Format
}

// NewPrinter returns a printer writing to w.
func NewPrinter(w io.Writer, f Format) *Printer { return &Printer{w: w, format: f} }

// Print writes a whole result: tables separated by blank lines, one
// indented JSON document or one YAML document.
func (p *Printer) Print(v Tabler) error {
	switch p.format {
	case FormatJSON:
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		return p.write(append(data, '\n'))
	case FormatYAML:
		data, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode yaml: %w", err)
		}
		return p.write(data)
	}
	for i, t := range v.Tables() {
		if i > 0 {
			if err := p.write([]byte("\n")); err != nil {
				return err
			}
		}
		if err := p.table(t); err != nil {
			return err
		}
	}
	return nil
}

// Stream writes one item of a stream: line in table format, one JSON
// object per line, or one YAML document each.
func (p *Printer) Stream(v any, line string) error {
	switch p.format {
	case FormatJSON:
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		return p.write(append(data, '\n'))
	case FormatYAML:
		data, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode yaml: %w", err)
		}
		return p.write(append([]byte("---\n"), data...))
	}
	return p.write([]byte(line + "\n"))
}

// orDash shows an empty value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// table aligns t's columns; an empty cell shows as "-".
func (p *Printer) table(t Table) error {
	tw := tabwriter.NewWriter(p.w, 0, 8, 2, ' ', 0)
	if t.Title != "" {
		fmt.Fprintln(tw, t.Title+":")
	}
	fmt.Fprintln(tw, strings.Join(t.Header, "\t"))
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = orDash(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

func (p *Printer) write(b []byte) error {
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
