package conda

// The parser is a port of ruamel.yaml 0.17's Parser/RoundTripParser with
// "old style" comment handling. It turns tokens into events and moves
// comments between tokens exactly like ruamel does.

type eventKind int

const (
	evStreamStart eventKind = iota
	evStreamEnd
	evDocumentStart
	evDocumentEnd
	evAlias
	evScalar
	evSequenceStart
	evSequenceEnd
	evMappingStart
	evMappingEnd
)

// Flow style values: ruamel uses None/False/True.
const (
	flowNone  int8 = -1
	flowBlock int8 = 0
	flowFlow  int8 = 1
)

type event struct {
	kind      eventKind
	start     mark
	end       mark
	comment   *commentList
	tag       string
	implicit  [3]bool // scalars: (plain resolves, quoted resolves, core tag); collections: [0]
	value     string
	style     rune
	flowStyle int8
	explicit  bool
	nrItems   int
}

type parser struct {
	s       *scanner
	current *event
	last    *event
	state   func() *event
	states  []func() *event
	marks   []mark
}

func newParser(s *scanner) *parser {
	p := &parser{s: s}
	p.state = p.parseStreamStart
	return p
}

func (p *parser) pushState(f func() *event) { p.states = append(p.states, f) }

func (p *parser) popState() func() *event {
	f := p.states[len(p.states)-1]
	p.states = p.states[:len(p.states)-1]
	return f
}

func (p *parser) popMark() {
	p.marks = p.marks[:len(p.marks)-1]
}

func (p *parser) checkEvent(kinds ...eventKind) bool {
	if p.current == nil && p.state != nil {
		p.current = p.state()
	}
	if p.current != nil {
		if len(kinds) == 0 {
			return true
		}
		for _, k := range kinds {
			if p.current.kind == k {
				return true
			}
		}
	}
	return false
}

func (p *parser) peekEvent() *event {
	if p.current == nil && p.state != nil {
		p.current = p.state()
	}
	return p.current
}

func (p *parser) getEvent() *event {
	if p.current == nil && p.state != nil {
		p.current = p.state()
	}
	v := p.current
	p.last = v
	p.current = nil
	return v
}

func (p *parser) moveTokenComment(t *token, empty bool) {
	t.moveOldComment(p.s.peekToken(), empty)
}

func (p *parser) parseStreamStart() *event {
	t := p.s.getToken()
	p.moveTokenComment(t, false)
	p.state = p.parseImplicitDocumentStart
	return &event{kind: evStreamStart, start: t.start, end: t.end}
}

func (p *parser) parseImplicitDocumentStart() *event {
	if !p.s.checkToken(tokDirective, tokDocumentStart, tokStreamEnd) {
		t := p.s.peekToken()
		p.pushState(p.parseDocumentEnd)
		p.state = p.parseBlockNode
		return &event{kind: evDocumentStart, start: t.start, end: t.start}
	}
	return p.parseDocumentStart()
}

func (p *parser) parseDocumentStart() *event {
	for p.s.checkToken(tokDocumentEnd) {
		p.s.getToken()
	}
	if !p.s.checkToken(tokStreamEnd) {
		if !p.s.checkToken(tokDocumentStart) {
			t := p.s.peekToken()
			failAt(t.start, "expected '<document start>', but found %s", t.name())
		}
		t := p.s.getToken()
		p.pushState(p.parseDocumentEnd)
		p.state = p.parseDocumentContent
		return &event{kind: evDocumentStart, start: t.start, end: t.end, explicit: true, comment: t.comment}
	}
	t := p.s.getToken()
	p.state = nil
	return &event{kind: evStreamEnd, start: t.start, end: t.end, comment: t.comment}
}

func (p *parser) parseDocumentEnd() *event {
	t := p.s.peekToken()
	start, end := t.start, t.start
	explicit := false
	if p.s.checkToken(tokDocumentEnd) {
		t = p.s.getToken()
		end = t.end
		explicit = true
	}
	p.state = p.parseImplicitDocumentStart
	return &event{kind: evDocumentEnd, start: start, end: end, explicit: explicit}
}

func (p *parser) parseDocumentContent() *event {
	if p.s.checkToken(tokDirective, tokDocumentStart, tokDocumentEnd, tokStreamEnd) {
		ev := p.processEmptyScalar(p.s.peekToken().start, nil)
		p.state = p.popState()
		return ev
	}
	return p.parseBlockNode()
}

func (p *parser) parseBlockNode() *event { return p.parseNode(true, false) }

func (p *parser) parseFlowNode() *event { return p.parseNode(false, false) }

func (p *parser) parseBlockNodeOrIndentlessSequence() *event { return p.parseNode(true, true) }

func (p *parser) parseNode(block, indentlessSequence bool) *event {
	start := p.s.peekToken().start
	if indentlessSequence && p.s.checkToken(tokBlockEntry) {
		var comment *commentList
		pt := p.s.peekToken()
		if truthy(pt.comment) && truthy(pt.comment.at(0)) {
			comment = newCommentList(pt.comment.at(0), &commentTokens{})
			pt.comment.set(0, nil)
		}
		end := p.s.peekToken().end
		p.state = p.parseIndentlessSequenceEntry
		return &event{kind: evSequenceStart, start: start, end: end, implicit: [3]bool{true}, flowStyle: flowBlock, comment: comment}
	}
	switch {
	case p.s.checkToken(tokScalar):
		t := p.s.getToken()
		implicit := [3]bool{false, true}
		if t.plain {
			implicit = [3]bool{true, false}
		}
		p.state = p.popState()
		return &event{kind: evScalar, start: start, end: t.end, implicit: implicit, value: t.value, style: t.style, comment: t.comment}
	case p.s.checkToken(tokFlowSequenceStart):
		pt := p.s.peekToken()
		p.state = p.parseFlowSequenceFirstEntry
		return &event{kind: evSequenceStart, start: start, end: pt.end, implicit: [3]bool{true}, flowStyle: flowFlow, comment: pt.comment}
	case p.s.checkToken(tokFlowMappingStart):
		pt := p.s.peekToken()
		p.state = p.parseFlowMappingFirstKey
		return &event{kind: evMappingStart, start: start, end: pt.end, implicit: [3]bool{true}, flowStyle: flowFlow, comment: pt.comment}
	case block && p.s.checkToken(tokBlockSequenceStart):
		pt := p.s.peekToken()
		end := pt.start
		comment := pt.comment
		if comment == nil || comment.isNone(1) {
			comment = pt.splitOldComment()
		}
		p.state = p.parseBlockSequenceFirstEntry
		return &event{kind: evSequenceStart, start: start, end: end, implicit: [3]bool{true}, flowStyle: flowBlock, comment: comment}
	case block && p.s.checkToken(tokBlockMappingStart):
		pt := p.s.peekToken()
		p.state = p.parseBlockMappingFirstKey
		return &event{kind: evMappingStart, start: start, end: pt.start, implicit: [3]bool{true}, flowStyle: flowBlock, comment: pt.comment}
	}
	kind := "flow"
	if block {
		kind = "block"
	}
	t := p.s.peekToken()
	failAt(t.start, "while parsing a %s node expected the node content, but found %s", kind, t.name())
	return nil
}

func (p *parser) parseBlockSequenceFirstEntry() *event {
	t := p.s.getToken()
	p.marks = append(p.marks, t.start)
	return p.parseBlockSequenceEntry()
}

func (p *parser) parseBlockSequenceEntry() *event {
	if p.s.checkToken(tokBlockEntry) {
		t := p.s.getToken()
		p.moveTokenComment(t, false)
		if !p.s.checkToken(tokBlockEntry, tokBlockEnd) {
			p.pushState(p.parseBlockSequenceEntry)
			return p.parseBlockNode()
		}
		p.state = p.parseBlockSequenceEntry
		return p.processEmptyScalar(t.end, nil)
	}
	if !p.s.checkToken(tokBlockEnd) {
		t := p.s.peekToken()
		failAt(t.start, "while parsing a block collection expected <block end>, but found %s", t.name())
	}
	t := p.s.getToken()
	p.state = p.popState()
	p.popMark()
	return &event{kind: evSequenceEnd, start: t.start, end: t.end, comment: t.comment}
}

func (p *parser) parseIndentlessSequenceEntry() *event {
	if p.s.checkToken(tokBlockEntry) {
		t := p.s.getToken()
		p.moveTokenComment(t, false)
		if !p.s.checkToken(tokBlockEntry, tokKey, tokValue, tokBlockEnd) {
			p.pushState(p.parseIndentlessSequenceEntry)
			return p.parseBlockNode()
		}
		p.state = p.parseIndentlessSequenceEntry
		return p.processEmptyScalar(t.end, nil)
	}
	t := p.s.peekToken()
	p.state = p.popState()
	return &event{kind: evSequenceEnd, start: t.start, end: t.start, comment: t.comment}
}

func (p *parser) parseBlockMappingFirstKey() *event {
	t := p.s.getToken()
	p.marks = append(p.marks, t.start)
	return p.parseBlockMappingKey()
}

func (p *parser) parseBlockMappingKey() *event {
	if p.s.checkToken(tokKey) {
		t := p.s.getToken()
		p.moveTokenComment(t, false)
		if !p.s.checkToken(tokKey, tokValue, tokBlockEnd) {
			p.pushState(p.parseBlockMappingValue)
			return p.parseBlockNodeOrIndentlessSequence()
		}
		p.state = p.parseBlockMappingValue
		return p.processEmptyScalar(t.end, nil)
	}
	if p.s.checkToken(tokValue) {
		p.state = p.parseBlockMappingValue
		return p.processEmptyScalar(p.s.peekToken().start, nil)
	}
	if !p.s.checkToken(tokBlockEnd) {
		t := p.s.peekToken()
		failAt(t.start, "while parsing a block mapping expected <block end>, but found %s", t.name())
	}
	t := p.s.getToken()
	p.moveTokenComment(t, false)
	p.state = p.popState()
	p.popMark()
	return &event{kind: evMappingEnd, start: t.start, end: t.end, comment: t.comment}
}

func (p *parser) parseBlockMappingValue() *event {
	if p.s.checkToken(tokValue) {
		t := p.s.getToken()
		if p.s.checkToken(tokValue) {
			p.moveTokenComment(t, false)
		} else if !p.s.checkToken(tokKey) {
			p.moveTokenComment(t, true)
		}
		if !p.s.checkToken(tokKey, tokValue, tokBlockEnd) {
			p.pushState(p.parseBlockMappingKey)
			return p.parseBlockNodeOrIndentlessSequence()
		}
		p.state = p.parseBlockMappingKey
		comment := t.comment
		if comment == nil {
			t = p.s.peekToken()
			comment = t.comment
			if truthy(comment) {
				t.comment = newCommentList(nil, comment.at(1))
				comment = newCommentList(comment.at(0), nil)
			}
		}
		return p.processEmptyScalar(t.end, comment)
	}
	p.state = p.parseBlockMappingKey
	t := p.s.peekToken()
	return p.processEmptyScalar(t.start, nil)
}

func (p *parser) parseFlowSequenceFirstEntry() *event {
	t := p.s.getToken()
	p.marks = append(p.marks, t.start)
	return p.parseFlowSequenceEntry(true)
}

func (p *parser) parseFlowSequenceEntryNext() *event { return p.parseFlowSequenceEntry(false) }

func (p *parser) parseFlowSequenceEntry(first bool) *event {
	if !p.s.checkToken(tokFlowSequenceEnd) {
		if !first {
			if p.s.checkToken(tokFlowEntry) {
				p.s.getToken()
			} else {
				t := p.s.peekToken()
				failAt(t.start, "while parsing a flow sequence expected ',' or ']', but got %s", t.name())
			}
		}
		if p.s.checkToken(tokKey) {
			t := p.s.peekToken()
			p.state = p.parseFlowSequenceEntryMappingKey
			return &event{kind: evMappingStart, start: t.start, end: t.end, implicit: [3]bool{true}, flowStyle: flowFlow}
		} else if !p.s.checkToken(tokFlowSequenceEnd) {
			p.pushState(p.parseFlowSequenceEntryNext)
			return p.parseFlowNode()
		}
	}
	t := p.s.getToken()
	p.state = p.popState()
	p.popMark()
	return &event{kind: evSequenceEnd, start: t.start, end: t.end, comment: t.comment}
}

func (p *parser) parseFlowSequenceEntryMappingKey() *event {
	t := p.s.getToken()
	if !p.s.checkToken(tokValue, tokFlowEntry, tokFlowSequenceEnd) {
		p.pushState(p.parseFlowSequenceEntryMappingValue)
		return p.parseFlowNode()
	}
	p.state = p.parseFlowSequenceEntryMappingValue
	return p.processEmptyScalar(t.end, nil)
}

func (p *parser) parseFlowSequenceEntryMappingValue() *event {
	if p.s.checkToken(tokValue) {
		t := p.s.getToken()
		if !p.s.checkToken(tokFlowEntry, tokFlowSequenceEnd) {
			p.pushState(p.parseFlowSequenceEntryMappingEnd)
			return p.parseFlowNode()
		}
		p.state = p.parseFlowSequenceEntryMappingEnd
		return p.processEmptyScalar(t.end, nil)
	}
	p.state = p.parseFlowSequenceEntryMappingEnd
	t := p.s.peekToken()
	return p.processEmptyScalar(t.start, nil)
}

func (p *parser) parseFlowSequenceEntryMappingEnd() *event {
	p.state = p.parseFlowSequenceEntryNext
	t := p.s.peekToken()
	return &event{kind: evMappingEnd, start: t.start, end: t.start}
}

func (p *parser) parseFlowMappingFirstKey() *event {
	t := p.s.getToken()
	p.marks = append(p.marks, t.start)
	return p.parseFlowMappingKey(true)
}

func (p *parser) parseFlowMappingKeyNext() *event { return p.parseFlowMappingKey(false) }

func (p *parser) parseFlowMappingKey(first bool) *event {
	if !p.s.checkToken(tokFlowMappingEnd) {
		if !first {
			if p.s.checkToken(tokFlowEntry) {
				p.s.getToken()
			} else {
				t := p.s.peekToken()
				failAt(t.start, "while parsing a flow mapping expected ',' or '}', but got %s", t.name())
			}
		}
		if p.s.checkToken(tokKey) {
			t := p.s.getToken()
			if !p.s.checkToken(tokValue, tokFlowEntry, tokFlowMappingEnd) {
				p.pushState(p.parseFlowMappingValue)
				return p.parseFlowNode()
			}
			p.state = p.parseFlowMappingValue
			return p.processEmptyScalar(t.end, nil)
		} else if p.s.checkToken(tokValue) {
			p.state = p.parseFlowMappingValue
			return p.processEmptyScalar(p.s.peekToken().end, nil)
		} else if !p.s.checkToken(tokFlowMappingEnd) {
			p.pushState(p.parseFlowMappingEmptyValue)
			return p.parseFlowNode()
		}
	}
	t := p.s.getToken()
	p.state = p.popState()
	p.popMark()
	return &event{kind: evMappingEnd, start: t.start, end: t.end, comment: t.comment}
}

func (p *parser) parseFlowMappingValue() *event {
	if p.s.checkToken(tokValue) {
		t := p.s.getToken()
		if !p.s.checkToken(tokFlowEntry, tokFlowMappingEnd) {
			p.pushState(p.parseFlowMappingKeyNext)
			return p.parseFlowNode()
		}
		p.state = p.parseFlowMappingKeyNext
		return p.processEmptyScalar(t.end, nil)
	}
	p.state = p.parseFlowMappingKeyNext
	t := p.s.peekToken()
	return p.processEmptyScalar(t.start, nil)
}

func (p *parser) parseFlowMappingEmptyValue() *event {
	p.state = p.parseFlowMappingKeyNext
	return p.processEmptyScalar(p.s.peekToken().start, nil)
}

func (p *parser) processEmptyScalar(m mark, comment *commentList) *event {
	return &event{kind: evScalar, start: m, end: m, implicit: [3]bool{true, false}, value: "", comment: comment}
}
