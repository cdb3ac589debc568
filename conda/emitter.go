package conda

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The emitter is a port of ruamel.yaml 0.17's Emitter as configured by
// round_trip_dump (indent 2, block sequence dash offset 0, width 80,
// allow_unicode), including its comment writing.

type indentEntry struct {
	val    int
	valSet bool
	seq    bool
}

const styleNone rune = -1 // Python None (style not chosen yet); 0 = plain

type scalarAnalysis struct {
	scalar            string
	empty             bool
	multiline         bool
	allowFlowPlain    bool
	allowBlockPlain   bool
	allowSingleQuoted bool
	allowDoubleQuoted bool
	allowBlock        bool
}

type emitter struct {
	out    strings.Builder
	states []func()
	state  func()
	events []*event
	ev     *event

	indents     []indentEntry
	indent      int
	indentSet   bool
	flowContext []string

	rootContext      bool
	sequenceContext  bool
	mappingContext   bool
	simpleKeyContext bool

	line       int
	column     int
	whitespace bool
	indention  bool
	noNewline  bool
	openEnded  bool

	analysis *scalarAnalysis
	style    rune
}

const (
	bestIndent  = 2
	bestWidth   = 80
	dashOffset  = 0
	maxKeyChars = 128
)

func emitEvents(evs []*event) string {
	e := &emitter{whitespace: true, indention: true, style: styleNone}
	e.state = e.expectStreamStart
	for _, ev := range evs {
		e.events = append(e.events, ev)
		for !e.needMoreEvents() {
			e.ev = e.events[0]
			e.events = e.events[1:]
			e.state()
			e.ev = nil
		}
	}
	return e.out.String()
}

func (e *emitter) needMoreEvents() bool {
	if len(e.events) == 0 {
		return true
	}
	switch e.events[0].kind {
	case evDocumentStart:
		return e.needEvents(1)
	case evSequenceStart:
		return e.needEvents(2)
	case evMappingStart:
		return e.needEvents(3)
	}
	return false
}

func (e *emitter) needEvents(count int) bool {
	level := 0
	for _, ev := range e.events[1:] {
		switch ev.kind {
		case evDocumentStart, evSequenceStart, evMappingStart:
			level++
		case evDocumentEnd, evSequenceEnd, evMappingEnd:
			level--
		case evStreamEnd:
			level = -1
		}
		if level < 0 {
			return false
		}
	}
	return len(e.events) < count+1
}

func (e *emitter) pushState(f func()) { e.states = append(e.states, f) }

func (e *emitter) popState() func() {
	f := e.states[len(e.states)-1]
	e.states = e.states[:len(e.states)-1]
	return f
}

func (e *emitter) popIndent() {
	last := e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
	e.indent, e.indentSet = last.val, last.valSet
}

func (e *emitter) seqFlowAlign(column int, preComment bool) int {
	if len(e.indents) < 2 || !e.indents[len(e.indents)-1].seq {
		if len(e.indents) == 0 || !preComment {
			return 0
		}
	}
	base := 0
	if last := e.indents[len(e.indents)-1]; last.valSet {
		base = last.val
	}
	if preComment {
		return base + bestIndent
	}
	return base + bestIndent - column - 1
}

func (e *emitter) increaseIndent(flow, sequence, indentless bool) {
	e.indents = append(e.indents, indentEntry{val: e.indent, valSet: e.indentSet, seq: sequence})
	if !e.indentSet {
		if flow {
			e.indentSet = false // requested_indent is None
		} else {
			e.indent, e.indentSet = 0, true
		}
	} else if !indentless {
		e.indent += bestIndent
	}
}

// lastIndentSeq is indents.values[-1][1]; ruamel raises IndexError on an
// empty stack (a commented flow collection at the document root).
func (e *emitter) lastIndentSeq() bool {
	if len(e.indents) == 0 {
		fail(unsupportedf("comment before a flow collection at the document root"))
	}
	return e.indents[len(e.indents)-1].seq
}

func (e *emitter) flowLevel() int { return len(e.flowContext) }

// ---- states ----

func (e *emitter) expectStreamStart() {
	e.state = e.expectFirstDocumentStart
}

func (e *emitter) expectNothing() {}

func (e *emitter) expectFirstDocumentStart() { e.expectDocumentStart(true) }

func (e *emitter) expectNextDocumentStart() { e.expectDocumentStart(false) }

func (e *emitter) expectDocumentStart(first bool) {
	switch e.ev.kind {
	case evDocumentStart:
		implicit := first && !e.ev.explicit && !e.checkEmptyDocument()
		if !implicit {
			e.writeIndent()
			e.writeIndicator("---", true, false, false)
		}
		e.state = e.expectDocumentRoot
	case evStreamEnd:
		if e.openEnded {
			e.writeIndicator("...", true, false, false)
			e.writeIndent()
		}
		e.state = e.expectNothing
	}
}

func (e *emitter) expectDocumentEnd() {
	e.writeIndent()
	if e.ev.explicit {
		e.writeIndicator("...", true, false, false)
		e.writeIndent()
	}
	e.state = e.expectNextDocumentStart
}

func (e *emitter) expectDocumentRoot() {
	e.pushState(e.expectDocumentEnd)
	e.expectNode(true, false, false, false)
}

func (e *emitter) expectNode(root, sequence, mapping, simpleKey bool) {
	e.rootContext = root
	e.sequenceContext = sequence
	e.mappingContext = mapping
	e.simpleKeyContext = simpleKey
	forceFlowIndent := false
	switch e.ev.kind {
	case evScalar, evSequenceStart, evMappingStart:
		e.processTag()
		switch e.ev.kind {
		case evScalar:
			e.expectScalar()
		case evSequenceStart:
			i2 := e.indention
			if truthy(e.ev.comment) {
				if e.ev.flowStyle == flowBlock {
					if e.writePostComment(e.ev) {
						e.indention = false
						e.noNewline = true
					}
				}
				column := e.column
				if e.writePreComment(e.ev) {
					if e.ev.flowStyle == flowFlow {
						forceFlowIndent = !e.lastIndentSeq()
					}
					e.indention = i2
					e.noNewline = !e.indention
				}
				if e.ev.flowStyle == flowFlow {
					e.column = column
				}
			}
			if e.flowLevel() > 0 || e.ev.flowStyle == flowFlow || e.checkEmptySequence() {
				e.expectFlowSequence(forceFlowIndent)
			} else {
				e.expectBlockSequence()
			}
		case evMappingStart:
			if e.ev.flowStyle == flowBlock && truthy(e.ev.comment) {
				e.writePostComment(e.ev)
			}
			if truthy(e.ev.comment) && truthy(e.ev.comment.at(1)) {
				e.writePreComment(e.ev)
				if e.ev.flowStyle == flowFlow {
					forceFlowIndent = !e.lastIndentSeq()
				}
			}
			if e.flowLevel() > 0 || e.ev.flowStyle == flowFlow || e.checkEmptyMapping() {
				e.expectFlowMapping(e.ev.nrItems == 1, forceFlowIndent)
			} else {
				e.expectBlockMapping()
			}
		}
	default:
		fail(yamlErrorf("emitter: expected node event"))
	}
}

func (e *emitter) expectScalar() {
	e.increaseIndent(true, false, false)
	e.processScalar()
	e.popIndent()
	e.state = e.popState()
}

// ---- flow sequences ----

func (e *emitter) expectFlowSequence(forceFlowIndent bool) {
	if forceFlowIndent {
		e.increaseIndent(true, true, false)
	}
	ind := e.seqFlowAlign(e.column, forceFlowIndent)
	e.writeIndicator(strings.Repeat(" ", max(ind, 0))+"[", true, true, false)
	if !forceFlowIndent {
		e.increaseIndent(true, true, false)
	}
	e.flowContext = append(e.flowContext, "[")
	e.state = e.expectFirstFlowSequenceItem
}

func (e *emitter) expectFirstFlowSequenceItem() {
	if e.ev.kind == evSequenceEnd {
		e.popIndent()
		e.flowContext = e.flowContext[:len(e.flowContext)-1]
		e.writeIndicator("]", false, false, false)
		if truthy(e.ev.comment) && truthy(e.ev.comment.at(0)) {
			e.writePostComment(e.ev)
		} else if e.flowLevel() == 0 {
			e.writeLineBreak("")
		}
		e.state = e.popState()
		return
	}
	if e.column > bestWidth {
		e.writeIndent()
	}
	e.pushState(e.expectFlowSequenceItem)
	e.expectNode(false, true, false, false)
}

func (e *emitter) expectFlowSequenceItem() {
	if e.ev.kind == evSequenceEnd {
		e.popIndent()
		e.flowContext = e.flowContext[:len(e.flowContext)-1]
		e.writeIndicator("]", false, false, false)
		if truthy(e.ev.comment) && truthy(e.ev.comment.at(0)) {
			e.writePostComment(e.ev)
		} else {
			e.noNewline = false
		}
		e.state = e.popState()
		return
	}
	e.writeIndicator(",", false, false, false)
	if e.column > bestWidth {
		e.writeIndent()
	}
	e.pushState(e.expectFlowSequenceItem)
	e.expectNode(false, true, false, false)
}

// ---- flow mappings ----

func (e *emitter) expectFlowMapping(single, forceFlowIndent bool) {
	if forceFlowIndent {
		e.increaseIndent(true, false, false)
	}
	ind := e.seqFlowAlign(e.column, forceFlowIndent)
	mapInit := "{"
	if single && e.flowLevel() > 0 && e.flowContext[len(e.flowContext)-1] == "[" {
		mapInit = ""
	}
	e.writeIndicator(strings.Repeat(" ", max(ind, 0))+mapInit, true, true, false)
	e.flowContext = append(e.flowContext, mapInit)
	if !forceFlowIndent {
		e.increaseIndent(true, false, false)
	}
	e.state = e.expectFirstFlowMappingKey
}

func (e *emitter) expectFirstFlowMappingKey() {
	if e.ev.kind == evMappingEnd {
		e.popIndent()
		e.flowContext = e.flowContext[:len(e.flowContext)-1]
		e.writeIndicator("}", false, false, false)
		if truthy(e.ev.comment) && truthy(e.ev.comment.at(0)) {
			e.writePostComment(e.ev)
		} else if e.flowLevel() == 0 {
			e.writeLineBreak("")
		}
		e.state = e.popState()
		return
	}
	if e.column > bestWidth {
		e.writeIndent()
	}
	if e.checkSimpleKey() {
		e.pushState(e.expectFlowMappingSimpleValue)
		e.expectNode(false, false, true, true)
	} else {
		e.writeIndicator("?", true, false, false)
		e.pushState(e.expectFlowMappingValue)
		e.expectNode(false, false, true, false)
	}
}

func (e *emitter) expectFlowMappingKey() {
	if e.ev.kind == evMappingEnd {
		e.popIndent()
		popped := e.flowContext[len(e.flowContext)-1]
		e.flowContext = e.flowContext[:len(e.flowContext)-1]
		if popped != "" {
			e.writeIndicator("}", false, false, false)
		}
		if truthy(e.ev.comment) && truthy(e.ev.comment.at(0)) {
			e.writePostComment(e.ev)
		} else {
			e.noNewline = false
		}
		e.state = e.popState()
		return
	}
	e.writeIndicator(",", false, false, false)
	if e.column > bestWidth {
		e.writeIndent()
	}
	if e.checkSimpleKey() {
		e.pushState(e.expectFlowMappingSimpleValue)
		e.expectNode(false, false, true, true)
	} else {
		e.writeIndicator("?", true, false, false)
		e.pushState(e.expectFlowMappingValue)
		e.expectNode(false, false, true, false)
	}
}

func (e *emitter) expectFlowMappingSimpleValue() {
	e.writeIndicator(":", false, false, false)
	e.pushState(e.expectFlowMappingKey)
	e.expectNode(false, false, true, false)
}

func (e *emitter) expectFlowMappingValue() {
	if e.column > bestWidth {
		e.writeIndent()
	}
	e.writeIndicator(":", true, false, false)
	e.pushState(e.expectFlowMappingKey)
	e.expectNode(false, false, true, false)
}

// ---- block sequences ----

func (e *emitter) expectBlockSequence() {
	indentless := false
	if e.mappingContext {
		indentless = !e.indention
	}
	e.increaseIndent(false, true, indentless)
	e.state = e.expectFirstBlockSequenceItem
}

func (e *emitter) expectFirstBlockSequenceItem() { e.expectBlockSequenceItem(true) }

func (e *emitter) expectNextBlockSequenceItem() { e.expectBlockSequenceItem(false) }

func (e *emitter) expectBlockSequenceItem(first bool) {
	if !first && e.ev.kind == evSequenceEnd {
		if truthy(e.ev.comment) && truthy(e.ev.comment.at(1)) {
			e.writePreComment(e.ev)
		}
		e.popIndent()
		e.state = e.popState()
		e.noNewline = false
		return
	}
	if truthy(e.ev.comment) && truthy(e.ev.comment.at(1)) {
		e.writePreComment(e.ev)
	}
	nonl := false
	if e.column == 0 {
		nonl = e.noNewline
	}
	e.writeIndent()
	e.writeIndicator(strings.Repeat(" ", dashOffset)+"-", true, false, true)
	if nonl || dashOffset+2 > bestIndent {
		e.noNewline = true
	}
	e.pushState(e.expectNextBlockSequenceItem)
	e.expectNode(false, true, false, false)
}

// ---- block mappings ----

func (e *emitter) expectBlockMapping() {
	e.increaseIndent(false, false, false)
	e.state = e.expectFirstBlockMappingKey
}

func (e *emitter) expectFirstBlockMappingKey() { e.expectBlockMappingKey(true) }

func (e *emitter) expectNextBlockMappingKey() { e.expectBlockMappingKey(false) }

func (e *emitter) expectBlockMappingKey(first bool) {
	if !first && e.ev.kind == evMappingEnd {
		if truthy(e.ev.comment) && truthy(e.ev.comment.at(1)) {
			e.writePreComment(e.ev)
		}
		e.popIndent()
		e.state = e.popState()
		return
	}
	if truthy(e.ev.comment) && truthy(e.ev.comment.at(1)) {
		e.writePreComment(e.ev)
	}
	e.writeIndent()
	if e.checkSimpleKey() {
		e.pushState(e.expectBlockMappingSimpleValue)
		e.expectNode(false, false, true, true)
	} else {
		e.writeIndicator("?", true, false, true)
		e.pushState(e.expectBlockMappingValue)
		e.expectNode(false, false, true, false)
	}
}

func (e *emitter) expectBlockMappingSimpleValue() {
	e.writeIndicator(":", false, false, false)
	e.pushState(e.expectNextBlockMappingKey)
	e.expectNode(false, false, true, false)
}

func (e *emitter) expectBlockMappingValue() {
	e.writeIndent()
	e.writeIndicator(":", true, false, true)
	e.pushState(e.expectNextBlockMappingKey)
	e.expectNode(false, false, true, false)
}

// ---- checkers ----

func (e *emitter) checkEmptySequence() bool {
	return e.ev.kind == evSequenceStart && len(e.events) > 0 && e.events[0].kind == evSequenceEnd
}

func (e *emitter) checkEmptyMapping() bool {
	return e.ev.kind == evMappingStart && len(e.events) > 0 && e.events[0].kind == evMappingEnd
}

func (e *emitter) checkEmptyDocument() bool {
	if e.ev.kind != evDocumentStart || len(e.events) == 0 {
		return false
	}
	ev := e.events[0]
	return ev.kind == evScalar && ev.tag == "" && ev.value == ""
}

func (e *emitter) checkSimpleKey() bool {
	length := 0
	if e.ev.kind == evScalar {
		if e.analysis == nil {
			e.analysis = analyzeScalar(e.ev.value)
		}
		length += utf8.RuneCountInString(e.analysis.scalar)
	}
	return length < maxKeyChars && ((e.ev.kind == evSequenceStart && e.ev.flowStyle == flowFlow) ||
		(e.ev.kind == evMappingStart && e.ev.flowStyle == flowFlow) ||
		(e.ev.kind == evScalar && !(e.analysis.empty && e.style != styleNone && e.style != 0 && e.style != '\'' && e.style != '"') &&
			!e.analysis.multiline) ||
		e.checkEmptySequence() || e.checkEmptyMapping())
}

// ---- tags and scalars ----

func (e *emitter) processTag() {
	if e.ev.kind == evScalar {
		if e.style == styleNone {
			e.style = e.chooseScalarStyle()
			if e.ev.value == "" && e.style == '\'' && e.ev.tag == tagNull {
				e.ev.value = "null"
				e.analysis = nil
				e.style = e.chooseScalarStyle()
			}
		}
		if (e.style == 0 && e.ev.implicit[0]) || (e.style != 0 && e.ev.implicit[1]) {
			return
		}
	} else {
		return
	}
	// A scalar that needs an explicit tag: only reachable for values that
	// cannot be written back faithfully.
	fail(unsupportedf("scalar %q needs an explicit tag", e.ev.value))
}

func (e *emitter) chooseScalarStyle() rune {
	if e.analysis == nil {
		e.analysis = analyzeScalar(e.ev.value)
	}
	if e.ev.style == '"' {
		return '"'
	}
	if e.ev.style == 0 && (e.ev.implicit[0] || !e.ev.implicit[2]) {
		if !(e.simpleKeyContext && (e.analysis.empty || e.analysis.multiline)) &&
			((e.flowLevel() > 0 && e.analysis.allowFlowPlain) || (e.flowLevel() == 0 && e.analysis.allowBlockPlain)) {
			return 0
		}
	}
	e.analysis.allowBlock = true
	if e.ev.style == 0 && e.analysis.allowDoubleQuoted {
		if strings.Contains(e.ev.value, "'") || strings.Contains(e.ev.value, "\n") {
			return '"'
		}
	}
	if e.ev.style == 0 || e.ev.style == '\'' {
		if e.analysis.allowSingleQuoted && !(e.simpleKeyContext && e.analysis.multiline) {
			return '\''
		}
	}
	return '"'
}

func (e *emitter) processScalar() {
	if e.analysis == nil {
		e.analysis = analyzeScalar(e.ev.value)
	}
	if e.style == styleNone {
		e.style = e.chooseScalarStyle()
	}
	split := !e.simpleKeyContext
	if e.sequenceContext && e.flowLevel() == 0 {
		e.writeIndent()
	}
	switch e.style {
	case '"':
		e.writeDoubleQuoted(e.analysis.scalar, split)
	case '\'':
		e.writeSingleQuoted(e.analysis.scalar, split)
	default:
		e.writePlain(e.analysis.scalar, split)
	}
	e.analysis = nil
	e.style = styleNone
	if truthy(e.ev.comment) {
		e.writePostComment(e.ev)
	}
}

func isBreak(ch rune) bool { return ch == '\n' || ch == '\u0085' || ch == '\u2028' || ch == '\u2029' }

func isWS(ch rune) bool { return ch == 0 || ch == ' ' || ch == '\t' || ch == '\r' || isBreak(ch) }

func analyzeScalar(scalar string) *scalarAnalysis {
	if scalar == "" {
		return &scalarAnalysis{scalar: scalar, empty: true, allowBlockPlain: true,
			allowSingleQuoted: true, allowDoubleQuoted: true}
	}
	rs := []rune(scalar)
	var blockIndicators, flowIndicators, lineBreaks, specialCharacters bool
	var leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(scalar, "---") || strings.HasPrefix(scalar, "...") {
		blockIndicators, flowIndicators = true, true
	}
	preceededByWhitespace := true
	followedByWhitespace := len(rs) == 1 || isWS(rs[1])
	previousSpace, previousBreak := false, false
	for index, ch := range rs {
		if index == 0 {
			if in(ch, "#,[]{}&*!|>'\"%@`") {
				flowIndicators, blockIndicators = true, true
			}
			if ch == '?' || ch == ':' {
				if len(rs) == 1 {
					flowIndicators = true
				}
				if followedByWhitespace {
					blockIndicators = true
				}
			}
			if ch == '-' && followedByWhitespace {
				flowIndicators, blockIndicators = true, true
			}
		} else {
			if in(ch, ",[]{}") {
				flowIndicators = true
			}
			if ch == ':' && followedByWhitespace {
				flowIndicators, blockIndicators = true, true
			}
			if ch == '#' && preceededByWhitespace {
				flowIndicators, blockIndicators = true, true
			}
		}
		if isBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7E)) {
			if (ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) ||
				(ch >= 0x10000 && ch <= 0x10FFFF)) && ch != 0xFEFF {
				// unicode characters are allowed (allow_unicode)
			} else {
				specialCharacters = true
			}
		}
		if ch == ' ' {
			if index == 0 {
				leadingSpace = true
			}
			if index == len(rs)-1 {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		} else if isBreak(ch) {
			if index == 0 {
				leadingBreak = true
			}
			if index == len(rs)-1 {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		} else {
			previousSpace, previousBreak = false, false
		}
		preceededByWhitespace = isWS(ch)
		followedByWhitespace = index+2 >= len(rs) || isWS(rs[index+2])
	}
	a := &scalarAnalysis{scalar: scalar, multiline: lineBreaks, allowFlowPlain: true, allowBlockPlain: true,
		allowSingleQuoted: true, allowDoubleQuoted: true, allowBlock: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if trailingSpace {
		a.allowBlock = false
	}
	if breakSpace {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted = false, false, false
	}
	if specialCharacters {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted, a.allowBlock = false, false, false, false
	} else if spaceBreak {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted = false, false, false
		a.allowBlock = false
	}
	if lineBreaks {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if flowIndicators {
		a.allowFlowPlain = false
	}
	if blockIndicators {
		a.allowBlockPlain = false
	}
	return a
}

// ---- writers ----

func (e *emitter) write(s string) {
	e.out.WriteString(s)
}

func (e *emitter) writeIndicator(indicator string, needWhitespace, whitespace, indention bool) {
	data := indicator
	if !e.whitespace && needWhitespace {
		data = " " + indicator
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.column += utf8.RuneCountInString(data)
	e.openEnded = false
	e.write(data)
}

func (e *emitter) writeIndent() {
	indent := 0
	if e.indentSet {
		indent = e.indent
	}
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		if e.noNewline {
			e.noNewline = false
		} else {
			e.writeLineBreak("")
		}
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
		e.column = indent
	}
}

func (e *emitter) writeLineBreak(data string) {
	if data == "" {
		data = "\n"
	}
	e.whitespace = true
	e.indention = true
	e.line++
	e.column = 0
	e.write(data)
}

func (e *emitter) writeSingleQuoted(text string, split bool) {
	e.writeIndicator("'", true, false, false)
	rs := []rune(text)
	spaces, breaks := false, false
	start, end := 0, 0
	for end <= len(rs) {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if spaces {
			if ch == -1 || ch != ' ' {
				if start+1 == end && e.column > bestWidth && split && start != 0 && end != len(rs) {
					e.writeIndent()
				} else {
					data := string(rs[start:end])
					e.column += end - start
					e.write(data)
				}
				start = end
			}
		} else if breaks {
			if ch == -1 || !isBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak("")
				}
				for _, br := range rs[start:end] {
					if br == '\n' {
						e.writeLineBreak("")
					} else {
						e.writeLineBreak(string(br))
					}
				}
				e.writeIndent()
				start = end
			}
		} else {
			if ch == -1 || ch == ' ' || isBreak(ch) || ch == '\'' {
				if start < end {
					e.column += end - start
					e.write(string(rs[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			e.column += 2
			e.write("''")
			start = end + 1
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isBreak(ch)
		}
		end++
	}
	e.writeIndicator("'", false, false, false)
}

var emitEscapes = map[rune]string{
	0: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r",
	0x1B: "e", '"': "\"", '\\': "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P",
}

func (e *emitter) writeDoubleQuoted(text string, split bool) {
	e.writeIndicator("\"", true, false, false)
	rs := []rune(text)
	start, end := 0, 0
	for end <= len(rs) {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if ch == -1 || in(ch, "\"\\\u0085\u2028\u2029\uFEFF") ||
			!((ch >= 0x20 && ch <= 0x7E) || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD)) {
			if start < end {
				e.column += end - start
				e.write(string(rs[start:end]))
				start = end
			}
			if ch != -1 {
				var data string
				if rep, ok := emitEscapes[ch]; ok {
					data = "\\" + rep
				} else if ch <= 0xFF {
					data = fmt.Sprintf("\\x%02X", ch)
				} else if ch <= 0xFFFF {
					data = fmt.Sprintf("\\u%04X", ch)
				} else {
					data = fmt.Sprintf("\\U%08X", ch)
				}
				e.column += len(data)
				e.write(data)
				start = end + 1
			}
		}
		if end > 0 && end < len(rs)-1 && (ch == ' ' || start >= end) &&
			e.column+(end-start) > bestWidth && split {
			data := "\\"
			if start < end {
				data = string(rs[start:end]) + "\\"
			}
			if start < end {
				start = end
			}
			e.column += utf8.RuneCountInString(data)
			e.write(data)
			e.writeIndent()
			e.whitespace = false
			e.indention = false
			if rs[start] == ' ' {
				e.column++
				e.write("\\")
			}
		}
		end++
	}
	e.writeIndicator("\"", false, false, false)
}

func (e *emitter) writePlain(text string, split bool) {
	if e.rootContext {
		e.openEnded = true
	}
	if text == "" {
		return
	}
	if !e.whitespace {
		e.column++
		e.write(" ")
	}
	e.whitespace = false
	e.indention = false
	rs := []rune(text)
	spaces, breaks := false, false
	start, end := 0, 0
	for end <= len(rs) {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if spaces {
			if ch != ' ' {
				if start+1 == end && e.column > bestWidth && split {
					e.writeIndent()
					e.whitespace = false
					e.indention = false
				} else {
					e.column += end - start
					e.write(string(rs[start:end]))
				}
				start = end
			}
		} else if breaks {
			if !isBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak("")
				}
				for _, br := range rs[start:end] {
					if br == '\n' {
						e.writeLineBreak("")
					} else {
						e.writeLineBreak(string(br))
					}
				}
				e.writeIndent()
				e.whitespace = false
				e.indention = false
				start = end
			}
		} else {
			if ch == -1 || ch == ' ' || isBreak(ch) {
				e.column += end - start
				e.write(string(rs[start:end]))
				start = end
			}
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isBreak(ch)
		}
		end++
	}
}

// writeComment is Emitter.write_comment.
func (e *emitter) writeComment(c *commentToken, pre bool) {
	value := c.value
	if !pre && strings.HasSuffix(value, "\n") {
		value = value[:len(value)-1]
	}
	col := c.column
	if strings.HasPrefix(c.value, "\n") {
		col = e.column
	}
	nrSpaces := col - e.column
	if e.column != 0 && strings.TrimSpace(value) != "" && nrSpaces < 1 && !strings.HasPrefix(value, "\n") {
		nrSpaces = 1
	}
	if nrSpaces > 0 {
		value = strings.Repeat(" ", nrSpaces) + value
	}
	e.write(value)
	if !pre {
		e.writeLineBreak("")
	}
}

func (e *emitter) writePreComment(ev *event) bool {
	comments, ok := ev.comment.at(1).(*commentTokens)
	if !ok || comments == nil {
		return false
	}
	start := ev.kind == evMappingStart || ev.kind == evSequenceStart
	for _, c := range comments.list {
		if start && c.preDone {
			continue
		}
		if e.column != 0 {
			e.writeLineBreak("")
		}
		e.writeComment(c, true)
		if start {
			c.preDone = true
		}
	}
	return true
}

func (e *emitter) writePostComment(ev *event) bool {
	c := e.ev.comment.tokenAt(0)
	if c == nil {
		return false
	}
	_ = ev
	e.writeComment(c, false)
	return true
}
