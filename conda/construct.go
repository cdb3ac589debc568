package conda

// The constructor is a port of ruamel.yaml's RoundTripConstructor with
// "old style" comments: it builds the data model and moves node comments
// into the comment attributes of maps and sequences.

func constructValue(n *node) any {
	switch n.kind {
	case scalarNode:
		return constructScalar(n)
	case sequenceNode:
		return constructSeq(n)
	}
	return constructMap(n)
}

func constructSeq(n *node) *cseq {
	s := &cseq{flow: flowNone}
	if truthy(n.comment) {
		ca := s.attr()
		ca.comment = n.comment.copyRange(0, 2)
		if n.comment.length() > 2 {
			endExtend(ca, n.comment.at(2))
		}
	}
	for i, child := range n.items {
		if truthy(child.comment) {
			keyCommentExtend(s.attr(), i, child.comment)
			child.comment = nil
		}
		s.items = append(s.items, constructValue(child))
		if s.ca != nil {
			for len(s.ca.items) < len(s.items) {
				s.ca.items = append(s.ca.items, nil)
			}
		}
	}
	if len(s.items) > 0 {
		s.flow = n.flowStyle
	}
	return s
}

func (s *cseq) attr() *commentAttr {
	if s.ca == nil {
		s.ca = &commentAttr{items: make([]*commentList, len(s.items))}
	}
	return s.ca
}

func (m *cmap) attr() *commentAttr {
	if m.ca == nil {
		m.ca = &commentAttr{items: make([]*commentList, len(m.keys))}
	}
	return m.ca
}

// itemEntry returns ca.items[i], creating [None, None, None, None].
func itemEntry(ca *commentAttr, i int) *commentList {
	for len(ca.items) <= i {
		ca.items = append(ca.items, nil)
	}
	if ca.items[i] == nil {
		ca.items[i] = newCommentList(nil, nil, nil, nil)
	}
	return ca.items[i]
}

// keyCommentExtend is CommentedBase.yaml_key_comment_extend.
func keyCommentExtend(ca *commentAttr, i int, c *commentList) {
	r := itemEntry(ca, i)
	if r.isNone(1) {
		r.set(1, c.at(1))
	} else {
		fail(yamlErrorf("cannot merge comments"))
	}
	r.set(0, c.at(0))
}

// valueCommentExtend is CommentedBase.yaml_value_comment_extend.
func valueCommentExtend(ca *commentAttr, i int, c *commentList) {
	r := itemEntry(ca, i)
	if r.isNone(3) {
		r.set(3, c.at(1))
	} else {
		fail(yamlErrorf("cannot merge comments"))
	}
	r.set(2, c.at(0))
}

// endExtend is yaml_end_comment_extend(comment, clear=True).
func endExtend(ca *commentAttr, c any) {
	toks, ok := c.(*commentTokens)
	if !ok || toks == nil {
		if c != nil {
			fail(yamlErrorf("unexpected end comment"))
		}
		return
	}
	ca.end = &commentTokens{list: append([]*commentToken(nil), toks.list...)}
}

func constructMap(n *node) *cmap {
	m := &cmap{flow: flowNone}
	if truthy(n.comment) {
		ca := m.attr()
		ca.comment = n.comment.copyRange(0, 2)
		if n.comment.length() > 2 {
			endExtend(ca, n.comment.at(2))
		}
	}
	var lastValue any = nil
	first := true
	for _, pair := range n.pairs {
		kn, vn := pair[0], pair[1]
		if kn.kind != scalarNode {
			fail(unsupportedf("complex mapping key (line %d)", kn.start.line+1))
		}
		if kn.tag == tagMerge {
			fail(unsupportedf("merge key (line %d)", kn.start.line+1))
		}
		if kn.tag == tagValue {
			kn.tag = tagStr // flatten_mapping turns a "=" key into a string
		}
		key := constructScalar(kn)
		value := constructValue(vn)
		if m.index(key) >= 0 {
			failAt(kn.start, "while constructing a mapping found duplicate key %q", pyStr(key))
		}
		m.keys = append(m.keys, key)
		m.vals = append(m.vals, value)
		i := len(m.keys) - 1
		if m.ca != nil {
			for len(m.ca.items) < len(m.keys) {
				m.ca.items = append(m.ca.items, nil)
			}
		}
		if truthy(kn.comment) && kn.comment.length() > 4 && truthy(kn.comment.at(4)) {
			c := kn.comment
			last := c.at(4)
			c.s = append(c.s[:4:4], c.s[5:]...)
			if !first && isNone(lastValue) {
				c.set(0, last)
				valueCommentExtend(m.attr(), i-1, c)
			} else {
				c.set(2, last)
				keyCommentExtend(m.attr(), i, c)
			}
			kn.comment = nil
		}
		if truthy(kn.comment) {
			keyCommentExtend(m.attr(), i, kn.comment)
		}
		if truthy(vn.comment) {
			valueCommentExtend(m.attr(), i, vn.comment)
		}
		lastValue = value
		first = false
	}
	if len(m.keys) > 0 {
		m.flow = n.flowStyle
	}
	return m
}

func isNone(v any) bool {
	s, ok := v.(*pyScalar)
	return ok && s.tag == tagNull
}

// pyStr is Python's str() of a key.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case *pyScalar:
		return x.str
	}
	return ""
}
