package exporters

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/zeta-net/zeta/agent/export/file"
	"github.com/zeta-net/zeta/agent/export/otlp"
	"github.com/zeta-net/zeta/agent/export/syslog"
)

// Load reads a YAML file of exporters strictly: unknown keys and values
// of the wrong type are errors that name their line.
func Load(path string) (Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Set{}, fmt.Errorf("read exporter config: %w", err)
	}
	s, err := Parse(b)
	if err != nil {
		return Set{}, fmt.Errorf("exporter config %s: %w", path, err)
	}
	return s, nil
}

// Parse is Load of a document in memory.
func Parse(b []byte) (Set, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Set{}, fmt.Errorf("parse: %w", err)
	}
	var s Set
	if len(doc.Content) == 0 {
		return s, nil // empty document
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return s, fmt.Errorf("line %d: want a mapping of otlp, syslog and file lists", root.Line)
	}
	var err error
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "otlp":
			s.OTLP, err = decodeList(v, "otlp", otlp.DefaultConfig, func(c *otlp.Config, n string) { c.Name = n })
		case "syslog":
			s.Syslog, err = decodeList(v, "syslog", syslog.DefaultConfig, func(c *syslog.Config, n string) { c.Name = n })
		case "file":
			s.File, err = decodeList(v, "file", file.DefaultConfig, func(c *file.Config, n string) { c.Name = n })
		default:
			err = fmt.Errorf("line %d: unknown key %q (want otlp, syslog or file)", k.Line, k.Value)
		}
		if err != nil {
			return Set{}, err
		}
	}
	return s, nil
}

// decodeList decodes a sequence of exporter configurations onto their
// defaults.
func decodeList[T any](n *yaml.Node, kind string, def func() T, setName func(*T, string)) ([]T, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s: want a list", n.Line, kind)
	}
	out := make([]T, 0, len(n.Content))
	for i, item := range n.Content {
		c := def()
		where := fmt.Sprintf("%s[%d]", kind, i)
		if err := checkKeys(item, reflect.TypeFor[T](), where); err != nil {
			return nil, err
		}
		if err := item.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if !hasKey(item, "name") {
			setName(&c, fmt.Sprintf("%s-%d", kind, i))
		}
		out = append(out, c)
	}
	return out, nil
}

var durationType = reflect.TypeFor[time.Duration]()

// checkKeys rejects mapping keys that no field of t (by yaml tag) takes,
// recursing into nested structs.
func checkKeys(n *yaml.Node, t reflect.Type, where string) error {
	if t.Kind() != reflect.Struct || t == durationType {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s: want a mapping", n.Line, where)
	}
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			return fmt.Errorf("line %d: %s: unknown key %q (known: %s)", k.Line, where, k.Value, strings.Join(sortedKeys(fields), ", "))
		}
		if err := checkKeys(v, ft, where+"."+k.Value); err != nil {
			return err
		}
	}
	return nil
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
