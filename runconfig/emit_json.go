package runconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// writePyJSON writes v like Python's json.dumps(v, indent=4): ", " / ": " separators,
// ensure_ascii escaping, [] and {} for empty collections, no trailing newline.
func writePyJSON(b *bytes.Buffer, v any, depth int) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(pyFloat(x, true))
	case json.Number:
		b.WriteString(x.String())
	case string:
		b.WriteString(pyJSONString(x))
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[\n")
		for i, e := range x {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(strings.Repeat("    ", depth+1))
			if err := writePyJSON(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteString("\n" + strings.Repeat("    ", depth) + "]")
	case omap:
		if len(x) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteString("{\n")
		for i, e := range x {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(strings.Repeat("    ", depth+1))
			b.WriteString(pyJSONString(e.key))
			b.WriteString(": ")
			if err := writePyJSON(b, e.val, depth+1); err != nil {
				return err
			}
		}
		b.WriteString("\n" + strings.Repeat("    ", depth) + "}")
	default:
		return fmt.Errorf("runconfig: cannot serialize value of type %T", v)
	}
	return nil
}

// pyJSONString quotes s like Python's json with ensure_ascii=True.
func pyJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// pyFloat formats f like Python's repr(float). With forJSON, infinities and NaN use
// json.dumps's spelling; otherwise YAML's.
func pyFloat(f float64, forJSON bool) string {
	switch {
	case math.IsNaN(f):
		if forJSON {
			return "NaN"
		}
		return ".nan"
	case math.IsInf(f, 1):
		if forJSON {
			return "Infinity"
		}
		return ".inf"
	case math.IsInf(f, -1):
		if forJSON {
			return "-Infinity"
		}
		return "-.inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp >= -4 && exp < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(s, ".") {
			s += ".0"
		}
		return s
	}
	return e
}
