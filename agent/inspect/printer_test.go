package inspect

import (
	"bytes"
	"testing"
)

type fakeResult struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (f fakeResult) Tables() []Table {
	return []Table{
		{Title: "First", Header: []string{"NAME", "COUNT"}, Rows: [][]string{{f.Name, "1"}, {"a-much-longer-name", ""}}},
		{Header: []string{"X"}},
	}
}

func TestPrinter(t *testing.T) {
	v := fakeResult{Name: "web", Count: 3}
	for _, tc := range []struct {
		format Format
		want   string
	}{
		{FormatTable, "First:\n" +
			"NAME                COUNT\n" +
			"web                 1\n" +
			"a-much-longer-name  -\n" +
			"\n" +
			"X\n"},
		{FormatJSON, "{\n  \"name\": \"web\",\n  \"count\": 3\n}\n"},
		{FormatYAML, "count: 3\nname: web\n"},
	} {
		var b bytes.Buffer
		if err := NewPrinter(&b, tc.format).Print(v); err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		if b.String() != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.format, b.String(), tc.want)
		}
	}
}

func TestPrinterStream(t *testing.T) {
	items := []fakeResult{{Name: "a", Count: 1}, {Name: "b", Count: 2}}
	for _, tc := range []struct {
		format Format
		want   string
	}{
		{FormatTable, "line a\nline b\n"},
		{FormatJSON, "{\"name\":\"a\",\"count\":1}\n{\"name\":\"b\",\"count\":2}\n"},
		{FormatYAML, "---\ncount: 1\nname: a\n---\ncount: 2\nname: b\n"},
	} {
		var b bytes.Buffer
		p := NewPrinter(&b, tc.format)
		for _, it := range items {
			if err := p.Stream(it, "line "+it.Name); err != nil {
				t.Fatalf("%s: %v", tc.format, err)
			}
		}
		if b.String() != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.format, b.String(), tc.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range Formats {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "xml", "JSON"} {
		if _, err := ParseFormat(s); err == nil {
			t.Errorf("ParseFormat(%q) succeeded", s)
		}
	}
}
