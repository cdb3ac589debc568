package conda

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// MarshalJSON returns azureml's as_dict() as JSON: keys in document order,
// comments dropped. Non-finite floats, which Python writes as the invalid
// JSON tokens NaN/Infinity, are written as strings.
func (d *Dependencies) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	writeJSON(&b, d.root())
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case string:
		s, _ := json.Marshal(x)
		b.Write(s)
	case *pyScalar:
		b.WriteString(x.json)
	case *cseq:
		b.WriteByte('[')
		for i, it := range x.items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSON(b, it)
		}
		b.WriteByte(']')
	case *cmap:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSON(b, jsonKey(k))
			b.WriteString(": ")
			writeJSON(b, x.vals[i])
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// jsonKey converts a key the way json.dumps does (True -> "true", ...).
func jsonKey(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case *pyScalar:
		switch x.tag {
		case tagNull, tagBool:
			return x.json
		}
		return x.str
	}
	return ""
}

// UnmarshalJSON replaces d with the specification held in a JSON object,
// like CondaDependencies(_underlying_structure=...): plain values, no
// comments, block layout. An empty object or null gives New().
func (d *Dependencies) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeJSONValue(dec)
	if err != nil {
		return fmt.Errorf("conda: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("conda: invalid JSON: trailing data")
	}
	m, isMap := v.(*cmap)
	if v == nil || (isMap && len(m.keys) == 0) {
		*d = *New()
		return nil
	}
	if !isMap {
		return newError(ErrInvalidStructure, "Environment error: not a valid YAML structure")
	}
	if err := validateDoc(m); err != nil {
		return err
	}
	nd := Dependencies{doc: m}
	nd.pythonVersion, nd.pythonVersionSet = nd.getPythonVersion()
	*d = nd
	return nil
}

func decodeJSONValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := newMap()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				if v == nil {
					v = newNone()
				}
				m.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			s := newSeq()
			for dec.More() {
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				if v == nil {
					v = newNone()
				}
				s.append(v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return s, nil
		}
	case string:
		return x, nil
	case bool:
		return newBool(x), nil
	case json.Number:
		text := string(x)
		if !strings.ContainsAny(text, ".eE") {
			i, ok := new(big.Int).SetString(text, 10)
			if !ok {
				return nil, fmt.Errorf("invalid JSON number %s", text)
			}
			return newIntScalar(i, i.String()), nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !isRangeErr(err) {
			return nil, err
		}
		return newFloatScalar(f, representPlainFloat(f)), nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("invalid JSON")
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}
