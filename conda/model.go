package conda

import (
	"math"
	"math/big"
)

// The data model mirrors the Python objects azureml manipulates:
// CommentedMap / dict (*cmap), CommentedSeq / list (*cseq), str (Go
// string) and the other scalar types (*pyScalar).

// commentAttr is ruamel's Comment object (the "ca" attribute).
type commentAttr struct {
	comment *commentList
	items   []*commentList // aligned with cmap.keys / cseq.items; nil = no entry
	end     *commentTokens // nil stands for the default empty list
}

type cmap struct {
	keys  []any
	vals  []any
	ca    *commentAttr
	flow  int8
	plain bool // a Python dict created by azureml code, not a CommentedMap
}

type cseq struct {
	items []any
	ca    *commentAttr
	flow  int8
	plain bool // a Python list created by azureml code, not a CommentedSeq
}

// pyScalar is a non-string scalar (None, bool, int, float, date).
type pyScalar struct {
	tag  string
	text string // what the representer emits
	str  string // Python str() of the value
	json string // JSON form (as_dict)
	num  *big.Float
	bval bool
}

func newMap() *cmap { return &cmap{flow: flowNone, plain: true} }
func newSeq() *cseq { return &cseq{flow: flowNone, plain: true} }
func (m *cmap) index(key any) int {
	for i, k := range m.keys {
		if pyEqual(k, key) {
			return i
		}
	}
	return -1
}

func (m *cmap) get(key string) (any, bool) {
	if i := m.index(key); i >= 0 {
		return m.vals[i], true
	}
	return nil, false
}

// set is Python's m[key] = value (appends new keys at the end).
func (m *cmap) set(key string, v any) {
	if i := m.index(key); i >= 0 {
		m.vals[i] = v
		return
	}
	m.keys = append(m.keys, key)
	m.vals = append(m.vals, v)
	if m.ca != nil {
		m.ca.items = append(m.ca.items, nil)
	}
}

func (s *cseq) append(v any) {
	s.items = append(s.items, v)
	if s.ca != nil {
		s.ca.items = append(s.ca.items, nil)
	}
}

// del removes item i together with its comments (CommentedSeq.__delitem__).
func (s *cseq) del(i int) {
	s.items = append(s.items[:i:i], s.items[i+1:]...)
	if s.ca != nil && i < len(s.ca.items) {
		s.ca.items = append(s.ca.items[:i:i], s.ca.items[i+1:]...)
	}
}

func (s *cseq) contains(v any) bool {
	for _, it := range s.items {
		if pyEqual(it, v) {
			return true
		}
	}
	return false
}

// pyEqual is Python == between two data-model values.
func pyEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case *pyScalar:
		y, ok := b.(*pyScalar)
		if !ok {
			return false
		}
		if x.tag == tagNull || y.tag == tagNull {
			return x.tag == y.tag
		}
		if x.num != nil && y.num != nil {
			return x.num.Cmp(y.num) == 0
		}
		if x.tag == tagFloat && y.tag == tagFloat && x.num == nil && y.num == nil {
			return x.text == y.text && x.text != ".nan"
		}
		return x.tag == y.tag && x.text == y.text
	case *cmap:
		y, ok := b.(*cmap)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for i, k := range x.keys {
			j := y.index(k)
			if j < 0 || !pyEqual(x.vals[i], y.vals[j]) {
				return false
			}
		}
		return true
	case *cseq:
		y, ok := b.(*cseq)
		if !ok || len(x.items) != len(y.items) {
			return false
		}
		for i := range x.items {
			if !pyEqual(x.items[i], y.items[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// sameData reports whether two values hold the same data: like pyEqual,
// but types must match and NaN equals NaN.
func sameData(a, b any) bool {
	switch x := a.(type) {
	case *pyScalar:
		y, ok := b.(*pyScalar)
		if !ok || x.tag != y.tag {
			return false
		}
		if x.num != nil && y.num != nil {
			return x.num.Cmp(y.num) == 0
		}
		return x.str == y.str
	case *cmap:
		y, ok := b.(*cmap)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for i := range x.keys {
			if !sameData(x.keys[i], y.keys[i]) || !sameData(x.vals[i], y.vals[i]) {
				return false
			}
		}
		return true
	case *cseq:
		y, ok := b.(*cseq)
		if !ok || len(x.items) != len(y.items) {
			return false
		}
		for i := range x.items {
			if !sameData(x.items[i], y.items[i]) {
				return false
			}
		}
		return true
	}
	return pyEqual(a, b)
}

// pyContains is Python's `needle in container` for the containers azureml
// tests with `PIP in ditem`: substring for str, key for dict, element for
// list. Other types raise TypeError in Python; here they report false.
func pyContains(container any, needle string) bool {
	switch c := container.(type) {
	case string:
		return stringsContains(c, needle)
	case *cmap:
		return c.index(needle) >= 0
	case *cseq:
		return c.contains(needle)
	}
	return false
}

// pyIter returns what Python's `for x in v` yields for the values azureml
// iterates: list items, the characters of a string, the keys of a mapping.
// Other values are not iterable (nil).
func pyIter(v any) []any {
	switch x := v.(type) {
	case *cseq:
		return x.items
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out
	case *cmap:
		return x.keys
	}
	return nil
}

// scalarText returns a scalar as a string: str values verbatim, other
// scalars as Python's str() of their value (1.50 -> "1.5", true -> "True").
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case *pyScalar:
		return x.str, true
	}
	return "", false
}

func newNone() *pyScalar {
	return &pyScalar{tag: tagNull, text: "", str: "None", json: "null"}
}

func newBool(b bool) *pyScalar {
	s := &pyScalar{tag: tagBool, bval: b, text: "false", str: "False", json: "false"}
	if b {
		s.text, s.str, s.json = "true", "True", "true"
	}
	s.num = new(big.Float)
	if b {
		s.num.SetInt64(1)
	}
	return s
}

func newIntScalar(v *big.Int, text string) *pyScalar {
	return &pyScalar{tag: tagInt, text: text, str: v.String(), json: v.String(), num: new(big.Float).SetInt(v)}
}

func newFloatScalar(f float64, text string) *pyScalar {
	s := &pyScalar{tag: tagFloat, text: text, str: pyFloatRepr(f), json: pyFloatRepr(f)}
	switch {
	case math.IsNaN(f):
		s.json = `"NaN"`
		s.str = "nan"
	case math.IsInf(f, 1):
		s.json = `"Infinity"`
		s.str = "inf"
	case math.IsInf(f, -1):
		s.json = `"-Infinity"`
		s.str = "-inf"
	default:
		s.num = big.NewFloat(f)
	}
	return s
}

// deepCopy copies a data-model value. Comment tokens are copied as well,
// preserving the sharing between lists inside the copied tree.
func deepCopy(v any, memo map[any]any) any {
	switch x := v.(type) {
	case *cmap:
		out := &cmap{flow: x.flow, plain: x.plain}
		out.keys = append([]any(nil), x.keys...)
		for _, val := range x.vals {
			out.vals = append(out.vals, deepCopy(val, memo))
		}
		out.ca = copyCA(x.ca, memo)
		return out
	case *cseq:
		out := &cseq{flow: x.flow, plain: x.plain}
		for _, it := range x.items {
			out.items = append(out.items, deepCopy(it, memo))
		}
		out.ca = copyCA(x.ca, memo)
		return out
	}
	return v
}

func copyCA(ca *commentAttr, memo map[any]any) *commentAttr {
	if ca == nil {
		return nil
	}
	out := &commentAttr{comment: copyCommentList(ca.comment, memo), end: copyTokens(ca.end, memo)}
	for _, it := range ca.items {
		out.items = append(out.items, copyCommentList(it, memo))
	}
	return out
}

func copyCommentList(c *commentList, memo map[any]any) *commentList {
	if c == nil {
		return nil
	}
	if v, ok := memo[c]; ok {
		return v.(*commentList)
	}
	out := &commentList{}
	memo[c] = out
	for _, e := range c.s {
		out.s = append(out.s, copyCommentElem(e, memo))
	}
	return out
}

func copyCommentElem(e any, memo map[any]any) any {
	switch x := e.(type) {
	case *commentToken:
		return copyToken(x, memo)
	case *commentTokens:
		return copyTokens(x, memo)
	case *commentList:
		return copyCommentList(x, memo)
	}
	return e
}

func copyToken(t *commentToken, memo map[any]any) *commentToken {
	if t == nil {
		return nil
	}
	if v, ok := memo[t]; ok {
		return v.(*commentToken)
	}
	out := *t
	memo[t] = &out
	return &out
}

func copyTokens(t *commentTokens, memo map[any]any) *commentTokens {
	if t == nil {
		return nil
	}
	if v, ok := memo[t]; ok {
		return v.(*commentTokens)
	}
	out := &commentTokens{}
	memo[t] = out
	for _, c := range t.list {
		out.list = append(out.list, copyToken(c, memo))
	}
	return out
}
