package conda

// The representer is a port of ruamel.yaml's RoundTripRepresenter as driven
// by round_trip_dump: it turns the data model back into nodes and
// re-attaches comments (sequence item comments are merged into the shared
// comment lists the way ruamel does; mapping item comments are dropped).

type representer struct {
	err error
}

func (r *representer) represent(v any) *node {
	switch x := v.(type) {
	case string:
		return &node{kind: scalarNode, tag: tagStr, value: x}
	case *pyScalar:
		return &node{kind: scalarNode, tag: x.tag, value: x.text}
	case *cseq:
		return r.representSeq(x)
	case *cmap:
		return r.representMap(x)
	}
	return &node{kind: scalarNode, tag: tagNull}
}

func resetTokens(v any) {
	if t, ok := v.(*commentTokens); ok && t != nil {
		for _, c := range t.list {
			c.preDone = false
		}
	}
}

func (r *representer) representSeq(s *cseq) *node {
	n := &node{kind: sequenceNode, tag: tagSeq, flowStyle: s.flow}
	var itemComments []*commentList
	if s.ca != nil {
		ca := s.ca
		n.comment = ca.comment
		if truthy(n.comment) && truthy(n.comment.at(1)) {
			resetTokens(n.comment.at(1))
		}
		for _, v := range ca.items {
			if truthy(v) && truthy(v.at(1)) {
				resetTokens(v.at(1))
			}
		}
		itemComments = ca.items
		if n.comment != nil {
			n.comment = n.comment.copyRange(0, n.comment.length())
			n.comment.s = append(n.comment.s, endOf(ca))
		}
	}
	best := true
	for i, item := range s.items {
		ni := r.represent(item)
		var ic *commentList
		if i < len(itemComments) {
			ic = itemComments[i]
		}
		r.mergeComments(ni, ic)
		if !(ni.kind == scalarNode && ni.style == 0) {
			best = false
		}
		n.items = append(n.items, ni)
	}
	if n.flowStyle == flowNone {
		if len(s.items) != 0 {
			n.flowStyle = flowBlock
		} else if best {
			n.flowStyle = flowFlow
		} else {
			n.flowStyle = flowBlock
		}
	}
	return n
}

func endOf(ca *commentAttr) *commentTokens {
	if ca.end == nil {
		ca.end = &commentTokens{}
	}
	return ca.end
}

// mergeComments is RoundTripRepresenter.merge_comments.
func (r *representer) mergeComments(n *node, comments *commentList) {
	if comments == nil {
		return
	}
	if n.comment != nil {
		for idx := range comments.s {
			if idx >= n.comment.length() {
				continue
			}
			nc := n.comment.at(idx)
			if !n.comment.isNone(idx) {
				if val := comments.at(idx); !comments.isNone(idx) && !commentEqual(val, nc) {
					if r.err == nil {
						r.err = newError(ErrUnsupportedYAML, "unsupported YAML: conflicting comments")
					}
				}
				comments.s[idx] = nc
			}
		}
	}
	n.comment = comments
}

func commentEqual(a, b any) bool {
	if a == b {
		return true
	}
	switch x := a.(type) {
	case *commentToken:
		y, ok := b.(*commentToken)
		return ok && x.value == y.value && x.line == y.line && x.column == y.column
	case *commentTokens:
		y, ok := b.(*commentTokens)
		if !ok || len(x.list) != len(y.list) {
			return false
		}
		for i := range x.list {
			if !commentEqual(x.list[i], y.list[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func (r *representer) representMap(m *cmap) *node {
	n := &node{kind: mappingNode, tag: tagMap, flowStyle: m.flow}
	if m.ca != nil {
		// ruamel 0.17's represent_mapping reads dumper.comment_handling,
		// which the RoundTripDumper used by round_trip_dump lacks: the
		// AttributeError is swallowed after the mapping's own comment was
		// taken, so key/value comments and end comments of every mapping
		// are dropped. azureml-core 1.50 inherits this behaviour.
		n.comment = m.ca.comment
		if truthy(n.comment) && truthy(n.comment.at(1)) {
			resetTokens(n.comment.at(1))
		}
	}
	for i, k := range m.keys {
		nk := r.represent(k)
		nv := r.represent(m.vals[i])
		n.pairs = append(n.pairs, [2]*node{nk, nv})
	}
	if n.flowStyle == flowNone {
		if len(m.keys) != 0 {
			n.flowStyle = flowBlock
		} else {
			n.flowStyle = flowFlow
		}
	}
	return n
}
