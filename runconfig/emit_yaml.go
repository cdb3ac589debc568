package runconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// writeYAML writes the mapping m in the layout azureml-core 1.50 saves (ruamel round-trip
// dump): 2-space mapping indent, sequences not indented under their key, null as an empty
// value, [] and {} for empty collections, quoted strings only where a plain scalar would be
// read back as something else.
func writeYAML(b *bytes.Buffer, m omap, indent int) error {
	for _, e := range m {
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString(yamlString(e.key))
		b.WriteByte(':')
		if err := writeYAMLValue(b, e.val, indent); err != nil {
			return err
		}
	}
	return nil
}

// writeYAMLValue writes what follows "key:" (or "-") for a value whose parent is at indent.
func writeYAMLValue(b *bytes.Buffer, v any, indent int) error {
	switch x := v.(type) {
	case nil:
		b.WriteByte('\n')
	case omap:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return nil
		}
		b.WriteByte('\n')
		return writeYAML(b, x, indent+2)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return nil
		}
		b.WriteByte('\n')
		return writeYAMLSeq(b, x, indent)
	default:
		s, err := yamlScalar(v)
		if err != nil {
			return err
		}
		b.WriteByte(' ')
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return nil
}

func writeYAMLSeq(b *bytes.Buffer, l []any, indent int) error {
	for _, item := range l {
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteByte('-')
		switch x := item.(type) {
		case omap:
			if len(x) == 0 {
				b.WriteString(" {}\n")
				continue
			}
			// First key on the dash line, the rest aligned under it.
			b.WriteByte(' ')
			var first bytes.Buffer
			if err := writeYAML(&first, x, indent+2); err != nil {
				return err
			}
			b.Write(first.Bytes()[indent+2:])
		case []any:
			if len(x) == 0 {
				b.WriteString(" []\n")
				continue
			}
			b.WriteByte('\n')
			if err := writeYAMLSeq(b, x, indent+2); err != nil {
				return err
			}
		default:
			if err := writeYAMLValue(b, item, indent); err != nil {
				return err
			}
		}
	}
	return nil
}

func yamlScalar(v any) (string, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return pyFloat(x, false), nil
	case json.Number:
		return x.String(), nil
	case string:
		return yamlString(x), nil
	}
	return "", fmt.Errorf("runconfig: cannot serialize value of type %T", v)
}

var (
	yamlNumberRe    = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$`)
	yamlIntPrefixRe = regexp.MustCompile(`^[-+]?0[xXoObB][0-9a-fA-F_]+$`)
	yamlSpecialRe   = regexp.MustCompile(`^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|<<|=)$`)
	yamlTimestampRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)
)

// yamlString renders s as a plain scalar when that reads back as the same string,
// single-quoted otherwise, double-quoted when it holds line breaks or control characters.
func yamlString(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff {
			return strconv.Quote(s)
		}
	}
	if yamlPlainSafe(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func yamlPlainSafe(s string) bool {
	if yamlNumberRe.MatchString(s) || yamlIntPrefixRe.MatchString(s) || yamlSpecialRe.MatchString(s) || yamlTimestampRe.MatchString(s) {
		return false
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' || s[0] == '\t' || s[len(s)-1] == '\t' {
		return false
	}
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		return false
	}
	followedBySpace := func(i int) bool { return i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\t' }
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if followedBySpace(0) {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			if followedBySpace(i) {
				return false
			}
		case '#':
			if i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
				return false
			}
		}
	}
	return true
}
