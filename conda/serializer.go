package conda

import "strings"

// serialize turns a node tree into the event stream of ruamel's Serializer.
func serializeEvents(root *node) []*event {
	evs := []*event{{kind: evStreamStart}, {kind: evDocumentStart}}
	var walk func(n *node)
	walk = func(n *node) {
		switch n.kind {
		case scalarNode:
			detected := resolveScalar(n.value, true)
			evs = append(evs, &event{kind: evScalar, tag: n.tag,
				implicit: [3]bool{n.tag == detected, n.tag == tagStr, strings.HasPrefix(n.tag, "tag:yaml.org,2002:")},
				value:    n.value, style: n.style, comment: n.comment})
		case sequenceNode, mappingNode:
			comment := n.comment
			var first, end any
			if n.flowStyle == flowFlow && truthy(comment) {
				first = comment.at(0)
			}
			if truthy(comment) && comment.length() > 2 {
				end = comment.at(2)
			}
			startKind, endKind := evSequenceStart, evSequenceEnd
			count := len(n.items)
			if n.kind == mappingNode {
				startKind, endKind = evMappingStart, evMappingEnd
				count = len(n.pairs)
			}
			evs = append(evs, &event{kind: startKind, tag: n.tag, implicit: [3]bool{true},
				flowStyle: n.flowStyle, comment: comment, nrItems: count})
			if n.kind == sequenceNode {
				for _, it := range n.items {
					walk(it)
				}
			} else {
				for _, p := range n.pairs {
					walk(p[0])
					walk(p[1])
				}
			}
			evs = append(evs, &event{kind: endKind, comment: newCommentList(first, end)})
		}
	}
	walk(root)
	evs = append(evs, &event{kind: evDocumentEnd}, &event{kind: evStreamEnd})
	return evs
}
