package conda

// This file holds the comment containers shared by every stage of the YAML
// round trip. They mirror ruamel.yaml 0.17's "old style" comment lists
// exactly (including aliasing between stages), because azureml-core 1.50
// relies on that behaviour for its byte layout.

// commentToken is one ruamel CommentToken: the raw text (which may span
// several lines and carry blank lines) and the position of its first '#'.
type commentToken struct {
	value   string
	line    int
	column  int
	preDone bool
}

// commentTokens is a Python list of comment tokens. A nil *commentTokens
// stands for Python None; a non-nil pointer for a (possibly empty) list.
type commentTokens struct {
	list []*commentToken
}

// commentList is a Python comment list such as [post, [pre...]] whose
// elements are nil, *commentToken or *commentTokens. A nil *commentList
// stands for Python None.
type commentList struct {
	s []any
}

func newCommentList(elems ...any) *commentList {
	return &commentList{s: append([]any(nil), elems...)}
}

// at returns element i, or nil when the list is shorter.
func (c *commentList) at(i int) any {
	if c == nil || i >= len(c.s) {
		return nil
	}
	return c.s[i]
}

// set assigns element i, growing the list with None as needed.
func (c *commentList) set(i int, v any) {
	for len(c.s) <= i {
		c.s = append(c.s, nil)
	}
	c.s[i] = v
}

func (c *commentList) length() int {
	if c == nil {
		return 0
	}
	return len(c.s)
}

// copyRange returns a new list holding c[from:to] (Python slicing).
func (c *commentList) copyRange(from, to int) *commentList {
	out := &commentList{}
	if c == nil {
		return out
	}
	if to > len(c.s) {
		to = len(c.s)
	}
	for i := from; i < to; i++ {
		out.s = append(out.s, c.s[i])
	}
	return out
}

// truthy reports Python truthiness of a comment list element or list.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case *commentToken:
		return x != nil
	case *commentTokens:
		return x != nil && len(x.list) > 0
	case *commentList:
		return x != nil && len(x.s) > 0
	}
	return true
}

// tokenAt returns element i as a comment token (nil if absent or another type).
func (c *commentList) tokenAt(i int) *commentToken {
	t, _ := c.at(i).(*commentToken)
	return t
}

// isNone reports whether element i is Python None (or missing).
func (c *commentList) isNone(i int) bool {
	v := c.at(i)
	switch x := v.(type) {
	case nil:
		return true
	case *commentToken:
		return x == nil
	case *commentTokens:
		return x == nil
	case *commentList:
		return x == nil
	}
	return false
}
