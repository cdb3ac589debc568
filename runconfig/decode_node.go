package runconfig

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// nodeDecoder turns yaml nodes into field values, collecting type errors and warnings.
type nodeDecoder struct {
	warn func(string)
	errs []error
}

func (d *nodeDecoder) warnf(format string, args ...any) {
	if d.warn != nil {
		d.warn(fmt.Sprintf(format, args...))
	}
}

func (d *nodeDecoder) fail(path, format string, args ...any) {
	d.errs = append(d.errs, newError(fmt.Sprintf("%s: %s", path, fmt.Sprintf(format, args...)), ErrParse))
}

// normKey folds camelCase, snake_case, kebab-case and TitleCase spellings of a key together.
func normKey(k string) string {
	k = strings.ToLower(k)
	return strings.NewReplacer("_", "", "-", "", " ", "").Replace(k)
}

// mappingKeys returns the keys of a mapping node in document order (nil otherwise).
func mappingKeys(n *yaml.Node) []string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	keys := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, deref(n.Content[i]).Value)
	}
	return keys
}

// setOrder records the key order of node n under field in *order.
func setOrder(order *map[string][]string, field string, n *yaml.Node) {
	keys := mappingKeys(n)
	if len(keys) < 2 {
		return
	}
	if *order == nil {
		*order = map[string][]string{}
	}
	(*order)[field] = keys
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return deref(n.Content[0])
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// fields calls fn for each key of the mapping n with the normalized key; keys for which fn
// returns false are reported as ignored.
func (d *nodeDecoder) fields(n *yaml.Node, path string, fn func(key, raw string, v *yaml.Node) bool) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(path, "expected a mapping")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		v := deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.fail(path, "non-scalar key")
			continue
		}
		if k.Value == "<<" {
			// Merge key: treat the merged mapping(s) as if written here.
			if v.Kind == yaml.SequenceNode {
				for _, m := range v.Content {
					d.fields(m, path, fn)
				}
			} else {
				d.fields(v, path, fn)
			}
			continue
		}
		if !fn(normKey(k.Value), k.Value, v) {
			d.warnf("ignored unknown key %s", joinPath(path, k.Value))
		}
	}
}

func (d *nodeDecoder) str(n *yaml.Node, path string) string {
	n = deref(n)
	if isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(path, "expected a scalar")
		return ""
	}
	return n.Value
}

// text is str for a field 1.50 type-checks: a number or boolean is refused, as
// Environment(name=3) raises "Environment name expected str".
func (d *nodeDecoder) text(n *yaml.Node, path string) string {
	if m := deref(n); m != nil && m.Kind == yaml.ScalarNode && !isNull(m) && m.ShortTag() != "!!str" {
		d.fail(path, "expected a string, not %s (azureml-core: Environment name expected str)", m.Value)
		return ""
	}
	return d.str(n, path)
}

func (d *nodeDecoder) boolean(n *yaml.Node, path string, dflt bool) bool {
	n = deref(n)
	if isNull(n) {
		return dflt
	}
	if n.Kind == yaml.ScalarNode {
		v := strings.ToLower(n.Value)
		if n.ShortTag() == "!!bool" {
			return v == "true"
		}
		switch v {
		case "true", "yes", "on": // strings 1.50 reads as true too (bool() of a non-empty string)
			return true
		case "false", "no", "off":
			d.fail(path, "expected true or false, not the string %q (azureml-core reads any non-empty string as true)", n.Value)
			return dflt
		}
	}
	d.fail(path, "expected true or false")
	return dflt
}

func (d *nodeDecoder) optBool(n *yaml.Node, path string) *bool {
	if isNull(n) {
		return nil
	}
	b := d.boolean(n, path, false)
	return &b
}

func parseYAMLInt(s string) (int64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return i, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), true
	}
	return 0, false
}

func (d *nodeDecoder) integer(n *yaml.Node, path string, dflt int) int {
	n = deref(n)
	if isNull(n) {
		return dflt
	}
	if n.Kind == yaml.ScalarNode {
		if i, ok := parseYAMLInt(n.Value); ok && i >= math.MinInt32 && i <= math.MaxInt32 {
			return int(i)
		}
	}
	d.fail(path, "expected an integer")
	return dflt
}

func (d *nodeDecoder) optInt(n *yaml.Node, path string) *int {
	if isNull(n) {
		return nil
	}
	i := d.integer(n, path, 0)
	return &i
}

func (d *nodeDecoder) number(n *yaml.Node, path string, dflt float64) float64 {
	n = deref(n)
	if isNull(n) {
		return dflt
	}
	if n.Kind == yaml.ScalarNode {
		if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
			return f
		}
	}
	d.fail(path, "expected a number")
	return dflt
}

// decodeList decodes a sequence (null gives nil) with elem for each item, reporting a non-list
// and each bad item at its path.
func decodeList[T any](d *nodeDecoder, n *yaml.Node, path string, elem func(e *yaml.Node, path string) T) []T {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(path, "expected a list")
		return nil
	}
	out := make([]T, 0, len(n.Content))
	for i, e := range n.Content {
		out = append(out, elem(e, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

func (d *nodeDecoder) strList(n *yaml.Node, path string) []string {
	return decodeList(d, n, path, d.str)
}

func (d *nodeDecoder) intList(n *yaml.Node, path string) []int {
	return decodeList(d, n, path, func(e *yaml.Node, p string) int { return d.integer(e, p, 0) })
}

// strMap decodes a mapping of user keys (not case-normalized).
func (d *nodeDecoder) strMap(n *yaml.Node, path string) map[string]string {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(path, "expected a mapping")
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.str(n.Content[i], path)
		out[k] = d.str(n.Content[i+1], joinPath(path, k))
	}
	return out
}

// list decodes a sequence whose items are decoded by item.
func list[T any](d *nodeDecoder, n *yaml.Node, path string, item func(*yaml.Node, string) T) []T {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(path, "expected a list")
		return nil
	}
	out := make([]T, 0, len(n.Content))
	for i, e := range n.Content {
		out = append(out, item(e, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

// generic converts a node into generic values: map[string]any, []any, string, int, float64,
// bool or nil (timestamps and other tags stay strings).
func generic(n *yaml.Node) any {
	n = deref(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[deref(n.Content[i]).Value] = generic(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			l = append(l, generic(e))
		}
		return l
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil
}

func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return strings.ToLower(n.Value) == "true"
	case "!!int":
		if i, ok := parseYAMLInt(n.Value); ok && i >= math.MinInt && i <= math.MaxInt {
			return int(i)
		}
		return n.Value
	case "!!float":
		s := strings.ReplaceAll(n.Value, "_", "")
		switch strings.ToLower(strings.TrimLeft(s, "+-")) {
		case ".inf":
			if strings.HasPrefix(s, "-") {
				return math.Inf(-1)
			}
			return math.Inf(1)
		case ".nan":
			return math.NaN()
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return n.Value
	}
	return n.Value
}

// orderedTree converts a node into tree values keeping key order (for the conda spec).
func orderedTree(n *yaml.Node) any {
	n = deref(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := omap{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m.add(deref(n.Content[i]).Value, orderedTree(n.Content[i+1]))
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			l = append(l, orderedTree(e))
		}
		return l
	case yaml.ScalarNode:
		v := scalarValue(n)
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return n.Value
		}
		return v
	}
	return nil
}
