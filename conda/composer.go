package conda

// Node trees are the intermediate form on both sides of the round trip:
// the composer builds them from parser events, the representer builds them
// from the data model for the serializer.

type nodeKind int

const (
	scalarNode nodeKind = iota
	sequenceNode
	mappingNode
)

type node struct {
	kind      nodeKind
	tag       string
	value     string // scalars
	style     rune   // scalars: 0 (plain/None), '\'', '"'
	items     []*node
	pairs     [][2]*node
	flowStyle int8
	comment   *commentList
	start     mark
}

// YAML core tags.
const (
	tagStr       = "tag:yaml.org,2002:str"
	tagNull      = "tag:yaml.org,2002:null"
	tagBool      = "tag:yaml.org,2002:bool"
	tagInt       = "tag:yaml.org,2002:int"
	tagFloat     = "tag:yaml.org,2002:float"
	tagTimestamp = "tag:yaml.org,2002:timestamp"
	tagMerge     = "tag:yaml.org,2002:merge"
	tagValue     = "tag:yaml.org,2002:value"
	tagYAML      = "tag:yaml.org,2002:yaml"
	tagSeq       = "tag:yaml.org,2002:seq"
	tagMap       = "tag:yaml.org,2002:map"
)

// maxDepth bounds collection nesting. ruamel (and so azureml) fails with
// RecursionError long before Python's recursion limit of 1000 frames.
const maxDepth = 400

type composer struct {
	p     *parser
	depth int
}

// composeSingle is Composer.get_single_node: nil for an empty stream.
func (c *composer) composeSingle() *node {
	c.p.getEvent() // stream start
	var doc *node
	if !c.p.checkEvent(evStreamEnd) {
		doc = c.composeDocument()
	}
	if !c.p.checkEvent(evStreamEnd) {
		ev := c.p.getEvent()
		failAt(ev.start, "expected a single document in the stream but found another document")
	}
	c.p.getEvent()
	return doc
}

func (c *composer) composeDocument() *node {
	c.p.getEvent() // document start
	n := c.composeNode()
	c.p.getEvent() // document end
	return n
}

func (c *composer) composeNode() *node {
	switch {
	case c.p.checkEvent(evScalar):
		ev := c.p.getEvent()
		return &node{kind: scalarNode, tag: resolveScalar(ev.value, ev.implicit[0]), value: ev.value,
			style: ev.style, comment: ev.comment, start: ev.start}
	case c.p.checkEvent(evSequenceStart):
		start := c.p.getEvent()
		c.enter(start)
		defer func() { c.depth-- }()
		n := &node{kind: sequenceNode, tag: tagSeq, flowStyle: start.flowStyle, comment: start.comment, start: start.start}
		for !c.p.checkEvent(evSequenceEnd) {
			n.items = append(n.items, c.composeNode())
		}
		end := c.p.getEvent()
		if n.flowStyle == flowFlow && end.comment != nil {
			n.comment = end.comment
		}
		c.checkEndDocComment(end, n)
		return n
	case c.p.checkEvent(evMappingStart):
		start := c.p.getEvent()
		c.enter(start)
		defer func() { c.depth-- }()
		n := &node{kind: mappingNode, tag: tagMap, flowStyle: start.flowStyle, comment: start.comment, start: start.start}
		for !c.p.checkEvent(evMappingEnd) {
			k := c.composeNode()
			v := c.composeNode()
			n.pairs = append(n.pairs, [2]*node{k, v})
		}
		end := c.p.getEvent()
		if n.flowStyle == flowFlow && end.comment != nil {
			n.comment = end.comment
		}
		c.checkEndDocComment(end, n)
		return n
	}
	ev := c.p.peekEvent()
	if ev == nil {
		fail(yamlErrorf("unexpected end of event stream"))
	}
	failAt(ev.start, "unexpected event")
	return nil
}

func (c *composer) enter(ev *event) {
	c.depth++
	if c.depth > maxDepth {
		failAt(ev.start, "collections nested deeper than %d levels", maxDepth)
	}
}

func (c *composer) checkEndDocComment(end *event, n *node) {
	if truthy(end.comment) && truthy(end.comment.at(1)) {
		if n.comment == nil {
			n.comment = newCommentList(nil, nil)
		}
		n.comment.s = append(n.comment.s, end.comment.at(1))
		end.comment.set(1, nil)
	}
}
