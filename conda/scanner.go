package conda

import (
	"strconv"
	"strings"
)

// The scanner is a port of ruamel.yaml 0.17's Scanner and RoundTripScanner
// (YAML 1.2 processing). Comments become comment tokens that are attached
// to neighbouring tokens exactly as ruamel does.

const (
	theEnd         = "\n\x00\r\u0085\u2028\u2029"
	theEndSpaceTab = " \n\x00\t\r\u0085\u2028\u2029"
)

func in(ch rune, set string) bool { return strings.ContainsRune(set, ch) }

type simpleKey struct {
	tokenNumber int
	required    bool
	index       int
	line        int
	column      int
	mark        mark
}

type scanner struct {
	r                  *reader
	done               bool
	flowContext        []rune
	tokens             []*token
	tokensTaken        int
	indent             int
	indents            []int
	allowSimpleKey     bool
	possibleSimpleKeys map[int]*simpleKey
}

func newScanner(r *reader) *scanner {
	s := &scanner{r: r, indent: -1, allowSimpleKey: true, possibleSimpleKeys: map[int]*simpleKey{}}
	m := r.mark()
	s.tokens = append(s.tokens, &token{kind: tokStreamStart, start: m, end: m})
	return s
}

func (s *scanner) flowLevel() int { return len(s.flowContext) }

// ---- round-trip public interface ----

func (s *scanner) checkToken(kinds ...tokenKind) bool {
	for s.needMoreTokens() {
		s.fetchMoreTokens()
	}
	s.gatherComments()
	if len(s.tokens) > 0 {
		if len(kinds) == 0 {
			return true
		}
		for _, k := range kinds {
			if s.tokens[0].kind == k {
				return true
			}
		}
	}
	return false
}

func (s *scanner) peekToken() *token {
	for s.needMoreTokens() {
		s.fetchMoreTokens()
	}
	s.gatherComments()
	if len(s.tokens) > 0 {
		return s.tokens[0]
	}
	return nil
}

func (s *scanner) gatherComments() {
	var comments []*commentToken
	if len(s.tokens) == 0 {
		return
	}
	if s.tokens[0].kind == tokComment {
		c := s.tokens[0]
		s.tokens = s.tokens[1:]
		s.tokensTaken++
		comments = append(comments, c.ct)
	}
	for s.needMoreTokens() {
		s.fetchMoreTokens()
		if len(s.tokens) == 0 {
			return
		}
		if s.tokens[0].kind == tokComment {
			s.tokensTaken++
			c := s.tokens[0]
			s.tokens = s.tokens[1:]
			comments = append(comments, c.ct)
		}
	}
	if len(comments) >= 1 {
		s.tokens[0].addPreComments(comments)
	}
	if !s.done && len(s.tokens) < 2 {
		s.fetchMoreTokens()
	}
}

func (s *scanner) popToken(i int) *token {
	t := s.tokens[i]
	s.tokens = append(s.tokens[:i:i], s.tokens[i+1:]...)
	return t
}

func (s *scanner) getToken() *token {
	for s.needMoreTokens() {
		s.fetchMoreTokens()
	}
	s.gatherComments()
	if len(s.tokens) == 0 {
		return nil
	}
	t0 := s.tokens[0]
	if len(s.tokens) > 1 &&
		(t0.kind == tokScalar || t0.kind == tokValue || t0.kind == tokFlowSequenceEnd || t0.kind == tokFlowMappingEnd) &&
		s.tokens[1].kind == tokComment && t0.end.line == s.tokens[1].ct.line {
		s.tokensTaken++
		c := s.popToken(1).ct
		s.fetchMoreTokens()
		for len(s.tokens) > 1 && s.tokens[1].kind == tokComment {
			s.tokensTaken++
			c1 := s.popToken(1).ct
			c.value = c.value + strings.Repeat(" ", c1.column) + c1.value
			s.fetchMoreTokens()
		}
		s.tokens[0].addPostComment(c)
	} else if len(s.tokens) > 1 && t0.kind == tokScalar && s.tokens[1].kind == tokComment &&
		t0.end.line != s.tokens[1].ct.line {
		s.tokensTaken++
		c := s.popToken(1).ct
		n := c.line - s.tokens[0].end.line
		if n < 0 {
			n = 0
		}
		c.value = strings.Repeat("\n", n) + strings.Repeat(" ", c.column) + c.value
		s.tokens[0].addPostComment(c)
		s.fetchMoreTokens()
		for len(s.tokens) > 1 && s.tokens[1].kind == tokComment {
			s.tokensTaken++
			c1 := s.popToken(1).ct
			c.value = c.value + strings.Repeat(" ", c1.column) + c1.value
			s.fetchMoreTokens()
		}
	}
	s.tokensTaken++
	return s.popToken(0)
}

// ---- private machinery ----

func (s *scanner) needMoreTokens() bool {
	if s.done {
		return false
	}
	if len(s.tokens) == 0 {
		return true
	}
	s.staleSimpleKeys()
	if n, ok := s.nextPossibleSimpleKey(); ok && n == s.tokensTaken {
		return true
	}
	return false
}

func (s *scanner) fetchMoreTokens() {
	if value, start, end, ok := s.scanToNextToken(); ok {
		for strings.HasSuffix(value, " ") {
			value = value[:len(value)-1]
		}
		s.tokens = append(s.tokens, &token{kind: tokComment, start: start, end: end,
			ct: &commentToken{value: value, line: start.line, column: start.column}})
		return
	}
	s.staleSimpleKeys()
	s.unwindIndent(s.r.column)
	ch := s.r.peek(0)
	switch {
	case ch == 0:
		s.fetchStreamEnd()
	case ch == '%' && s.checkDirective():
		s.fetchDirective()
	case ch == '-' && s.checkDocumentStart():
		s.fetchDocumentIndicator(tokDocumentStart)
	case ch == '.' && s.checkDocumentEnd():
		s.fetchDocumentIndicator(tokDocumentEnd)
	case ch == '[':
		s.fetchFlowCollectionStart(tokFlowSequenceStart, '[')
	case ch == '{':
		s.fetchFlowCollectionStart(tokFlowMappingStart, '{')
	case ch == ']':
		s.fetchFlowCollectionEnd(tokFlowSequenceEnd)
	case ch == '}':
		s.fetchFlowCollectionEnd(tokFlowMappingEnd)
	case ch == ',':
		s.fetchFlowEntry()
	case ch == '-' && s.checkBlockEntry():
		s.fetchBlockEntry()
	case ch == '?' && s.checkKey():
		s.fetchKey()
	case ch == ':' && s.checkValue():
		s.fetchValue()
	case ch == '*':
		s.fetchAnchorOrAlias(tokAlias)
	case ch == '&':
		s.fetchAnchorOrAlias(tokAnchor)
	case ch == '!':
		s.fetchTag()
	case ch == '|' && s.flowLevel() == 0:
		s.fetchBlockScalar('|')
	case ch == '>' && s.flowLevel() == 0:
		s.fetchBlockScalar('>')
	case ch == '\'':
		s.fetchFlowScalar('\'')
	case ch == '"':
		s.fetchFlowScalar('"')
	case s.checkPlain():
		s.fetchPlain()
	default:
		failAt(s.r.mark(), "while scanning for the next token found character %s that cannot start any token", strconv.QuoteRune(ch))
	}
}

func (s *scanner) nextPossibleSimpleKey() (int, bool) {
	found := false
	min := 0
	for _, k := range s.possibleSimpleKeys {
		if !found || k.tokenNumber < min {
			min = k.tokenNumber
			found = true
		}
	}
	return min, found
}

func (s *scanner) staleSimpleKeys() {
	for level, k := range s.possibleSimpleKeys {
		if k.line != s.r.line || s.r.ptr-k.index > 1024 {
			if k.required {
				failAt(k.mark, "while scanning a simple key could not find expected ':'")
			}
			delete(s.possibleSimpleKeys, level)
		}
	}
}

func (s *scanner) savePossibleSimpleKey() {
	required := s.flowLevel() == 0 && s.indent == s.r.column
	if s.allowSimpleKey {
		s.removePossibleSimpleKey()
		s.possibleSimpleKeys[s.flowLevel()] = &simpleKey{
			tokenNumber: s.tokensTaken + len(s.tokens),
			required:    required,
			index:       s.r.ptr,
			line:        s.r.line,
			column:      s.r.column,
			mark:        s.r.mark(),
		}
	}
}

func (s *scanner) removePossibleSimpleKey() {
	if k, ok := s.possibleSimpleKeys[s.flowLevel()]; ok {
		if k.required {
			failAt(k.mark, "while scanning a simple key could not find expected ':'")
		}
		delete(s.possibleSimpleKeys, s.flowLevel())
	}
}

func (s *scanner) unwindIndent(column int) {
	if s.flowLevel() > 0 {
		return
	}
	for s.indent > column {
		m := s.r.mark()
		s.indent = s.indents[len(s.indents)-1]
		s.indents = s.indents[:len(s.indents)-1]
		s.tokens = append(s.tokens, &token{kind: tokBlockEnd, start: m, end: m})
	}
}

func (s *scanner) addIndent(column int) bool {
	if s.indent < column {
		s.indents = append(s.indents, s.indent)
		s.indent = column
		return true
	}
	return false
}

func (s *scanner) fetchStreamEnd() {
	s.unwindIndent(-1)
	s.removePossibleSimpleKey()
	s.allowSimpleKey = false
	s.possibleSimpleKeys = map[int]*simpleKey{}
	m := s.r.mark()
	s.tokens = append(s.tokens, &token{kind: tokStreamEnd, start: m, end: m})
	s.done = true
}

func (s *scanner) fetchDirective() {
	s.unwindIndent(-1)
	s.removePossibleSimpleKey()
	s.allowSimpleKey = false
	// Directives change YAML processing rules (%YAML 1.1) or tag handles;
	// neither is reproduced here.
	fail(unsupportedf("directive (line %d)", s.r.line+1))
}

func (s *scanner) fetchDocumentIndicator(kind tokenKind) {
	s.unwindIndent(-1)
	s.removePossibleSimpleKey()
	s.allowSimpleKey = false
	start := s.r.mark()
	s.r.forward(3)
	s.tokens = append(s.tokens, &token{kind: kind, start: start, end: s.r.mark()})
}

func (s *scanner) fetchFlowCollectionStart(kind tokenKind, push rune) {
	s.savePossibleSimpleKey()
	s.flowContext = append(s.flowContext, push)
	s.allowSimpleKey = true
	start := s.r.mark()
	s.r.forward(1)
	s.tokens = append(s.tokens, &token{kind: kind, start: start, end: s.r.mark()})
}

func (s *scanner) fetchFlowCollectionEnd(kind tokenKind) {
	s.removePossibleSimpleKey()
	if len(s.flowContext) > 0 {
		s.flowContext = s.flowContext[:len(s.flowContext)-1]
	}
	s.allowSimpleKey = false
	start := s.r.mark()
	s.r.forward(1)
	s.tokens = append(s.tokens, &token{kind: kind, start: start, end: s.r.mark()})
}

func (s *scanner) fetchFlowEntry() {
	s.allowSimpleKey = true
	s.removePossibleSimpleKey()
	start := s.r.mark()
	s.r.forward(1)
	s.tokens = append(s.tokens, &token{kind: tokFlowEntry, start: start, end: s.r.mark()})
}

func (s *scanner) fetchBlockEntry() {
	if s.flowLevel() == 0 {
		if !s.allowSimpleKey {
			failAt(s.r.mark(), "sequence entries are not allowed here")
		}
		if s.addIndent(s.r.column) {
			m := s.r.mark()
			s.tokens = append(s.tokens, &token{kind: tokBlockSequenceStart, start: m, end: m})
		}
	}
	s.allowSimpleKey = true
	s.removePossibleSimpleKey()
	start := s.r.mark()
	s.r.forward(1)
	s.tokens = append(s.tokens, &token{kind: tokBlockEntry, start: start, end: s.r.mark()})
}

func (s *scanner) fetchKey() {
	if s.flowLevel() == 0 {
		if !s.allowSimpleKey {
			failAt(s.r.mark(), "mapping keys are not allowed here")
		}
		if s.addIndent(s.r.column) {
			m := s.r.mark()
			s.tokens = append(s.tokens, &token{kind: tokBlockMappingStart, start: m, end: m})
		}
	}
	s.allowSimpleKey = s.flowLevel() == 0
	s.removePossibleSimpleKey()
	start := s.r.mark()
	s.r.forward(1)
	s.tokens = append(s.tokens, &token{kind: tokKey, start: start, end: s.r.mark()})
}

func (s *scanner) insertToken(i int, t *token) {
	if i < 0 {
		i = 0
	}
	if i > len(s.tokens) {
		i = len(s.tokens)
	}
	s.tokens = append(s.tokens, nil)
	copy(s.tokens[i+1:], s.tokens[i:])
	s.tokens[i] = t
}

func (s *scanner) fetchValue() {
	if k, ok := s.possibleSimpleKeys[s.flowLevel()]; ok {
		delete(s.possibleSimpleKeys, s.flowLevel())
		s.insertToken(k.tokenNumber-s.tokensTaken, &token{kind: tokKey, start: k.mark, end: k.mark})
		if s.flowLevel() == 0 {
			if s.addIndent(k.column) {
				s.insertToken(k.tokenNumber-s.tokensTaken, &token{kind: tokBlockMappingStart, start: k.mark, end: k.mark})
			}
		}
		s.allowSimpleKey = false
	} else {
		if s.flowLevel() == 0 {
			if !s.allowSimpleKey {
				failAt(s.r.mark(), "mapping values are not allowed here")
			}
			if s.addIndent(s.r.column) {
				m := s.r.mark()
				s.tokens = append(s.tokens, &token{kind: tokBlockMappingStart, start: m, end: m})
			}
		}
		s.allowSimpleKey = s.flowLevel() == 0
		s.removePossibleSimpleKey()
	}
	start := s.r.mark()
	s.r.forward(1)
	s.tokens = append(s.tokens, &token{kind: tokValue, start: start, end: s.r.mark()})
}

func (s *scanner) fetchAnchorOrAlias(kind tokenKind) {
	s.savePossibleSimpleKey()
	s.allowSimpleKey = false
	what := "anchor"
	if kind == tokAlias {
		what = "alias"
	}
	fail(unsupportedf("%s (line %d)", what, s.r.line+1))
}

func (s *scanner) fetchTag() {
	s.savePossibleSimpleKey()
	s.allowSimpleKey = false
	fail(unsupportedf("tag (line %d)", s.r.line+1))
}

func (s *scanner) fetchBlockScalar(style rune) {
	s.allowSimpleKey = true
	s.removePossibleSimpleKey()
	fail(unsupportedf("block scalar %q (line %d)", style, s.r.line+1))
}

func (s *scanner) fetchFlowScalar(style rune) {
	s.savePossibleSimpleKey()
	s.allowSimpleKey = false
	s.tokens = append(s.tokens, s.scanFlowScalar(style))
}

func (s *scanner) fetchPlain() {
	s.savePossibleSimpleKey()
	s.allowSimpleKey = false
	s.tokens = append(s.tokens, s.scanPlain())
}

func (s *scanner) checkDirective() bool { return s.r.column == 0 }

func (s *scanner) checkDocumentStart() bool {
	return s.r.column == 0 && s.r.prefix(3) == "---" && in(s.r.peek(3), theEndSpaceTab)
}

func (s *scanner) checkDocumentEnd() bool {
	return s.r.column == 0 && s.r.prefix(3) == "..." && in(s.r.peek(3), theEndSpaceTab)
}

func (s *scanner) checkBlockEntry() bool { return in(s.r.peek(1), theEndSpaceTab) }

func (s *scanner) checkKey() bool {
	if s.flowLevel() > 0 {
		return true
	}
	return in(s.r.peek(1), theEndSpaceTab)
}

func (s *scanner) checkValue() bool {
	if s.flowLevel() > 0 {
		if s.flowContext[len(s.flowContext)-1] == '[' {
			if !in(s.r.peek(1), theEndSpaceTab) {
				return false
			}
		} else if len(s.tokens) > 0 && s.tokens[len(s.tokens)-1].kind == tokValue {
			if !in(s.r.peek(1), theEndSpaceTab) {
				return false
			}
		}
		return true
	}
	return in(s.r.peek(1), theEndSpaceTab)
}

func (s *scanner) checkPlain() bool {
	ch := s.r.peek(0)
	if !in(ch, "\x00 \t\r\n\u0085\u2028\u2029-?:,[]{}#&*!|>'\"%@`") {
		return true
	}
	ch1 := s.r.peek(1)
	if ch == '-' && !in(ch1, theEndSpaceTab) {
		return true
	}
	if ch == ':' && s.flowLevel() > 0 && !in(ch1, " \t") {
		return true
	}
	return !in(ch1, theEndSpaceTab) && (ch == '-' || (s.flowLevel() == 0 && in(ch, "?:")))
}

// scanToNextToken is RoundTripScanner.scan_to_next_token: it skips spaces
// and returns comments (and runs of empty lines) as comment values.
func (s *scanner) scanToNextToken() (string, mark, mark, bool) {
	r := s.r
	if r.ptr == 0 && r.peek(0) == '\uFEFF' {
		r.forward(1)
	}
	for {
		for r.peek(0) == ' ' {
			r.forward(1)
		}
		ch := r.peek(0)
		if ch == '#' {
			start := r.mark()
			var b strings.Builder
			b.WriteRune(ch)
			r.forward(1)
			for !in(ch, theEnd) {
				ch = r.peek(0)
				if ch == 0 {
					b.WriteByte('\n')
					break
				}
				b.WriteRune(ch)
				r.forward(1)
			}
			lb := s.scanLineBreak(false)
			for lb != "" {
				b.WriteString(lb)
				lb = s.scanLineBreak(false)
			}
			end := r.mark()
			if s.flowLevel() == 0 {
				s.allowSimpleKey = true
			}
			return b.String(), start, end, true
		}
		if s.scanLineBreak(false) != "" {
			if s.flowLevel() == 0 {
				s.allowSimpleKey = true
			}
			ch = r.peek(0)
			if ch == '\n' {
				start := r.mark()
				var b strings.Builder
				for {
					lb := s.scanLineBreak(true)
					if lb == "" {
						break
					}
					b.WriteString(lb)
				}
				comment := b.String()
				if r.peek(0) == '#' {
					if i := strings.LastIndex(comment, "\n"); i >= 0 {
						comment = comment[:i]
					}
					comment += "\n"
				}
				return comment, start, r.mark(), true
			}
		} else {
			return "", mark{}, mark{}, false
		}
	}
}

// scanLineBreak is RoundTripScanner.scan_line_break.
func (s *scanner) scanLineBreak(emptyLine bool) string {
	ch := s.r.peek(0)
	if in(ch, "\r\n\u0085") {
		if s.r.prefix(2) == "\r\n" {
			s.r.forward(2)
		} else {
			s.r.forward(1)
		}
		return "\n"
	}
	if in(ch, "\u2028\u2029") {
		s.r.forward(1)
		return string(ch)
	}
	if emptyLine && in(ch, "\t ") {
		s.r.forward(1)
		return string(ch)
	}
	return ""
}

var escapeReplacements = map[rune]string{
	'0': "\x00", 'a': "\x07", 'b': "\x08", 't': "\x09", '\t': "\x09", 'n': "\x0A",
	'v': "\x0B", 'f': "\x0C", 'r': "\x0D", 'e': "\x1B", ' ': "\x20", '"': "\"",
	'/': "/", '\\': "\\", 'N': "\u0085", '_': "\u00A0", 'L': "\u2028", 'P': "\u2029",
}

var escapeCodes = map[rune]int{'x': 2, 'u': 4, 'U': 8}

func (s *scanner) scanFlowScalar(style rune) *token {
	double := style == '"'
	var chunks strings.Builder
	start := s.r.mark()
	quote := s.r.peek(0)
	s.r.forward(1)
	s.scanFlowScalarNonSpaces(double, start, &chunks)
	for s.r.peek(0) != quote {
		s.scanFlowScalarSpaces(double, start, &chunks)
		s.scanFlowScalarNonSpaces(double, start, &chunks)
	}
	s.r.forward(1)
	return &token{kind: tokScalar, value: chunks.String(), plain: false, start: start, end: s.r.mark(), style: style}
}

func (s *scanner) scanFlowScalarNonSpaces(double bool, start mark, chunks *strings.Builder) {
	r := s.r
	for {
		length := 0
		for !in(r.peek(length), " \n'\"\\\x00\t\r\u0085\u2028\u2029") {
			length++
		}
		if length != 0 {
			chunks.WriteString(r.prefix(length))
			r.forward(length)
		}
		ch := r.peek(0)
		switch {
		case !double && ch == '\'' && r.peek(1) == '\'':
			chunks.WriteByte('\'')
			r.forward(2)
		case (double && ch == '\'') || (!double && in(ch, "\"\\")):
			chunks.WriteRune(ch)
			r.forward(1)
		case double && ch == '\\':
			r.forward(1)
			ch = r.peek(0)
			if rep, ok := escapeReplacements[ch]; ok {
				chunks.WriteString(rep)
				r.forward(1)
			} else if n, ok := escapeCodes[ch]; ok {
				r.forward(1)
				for k := 0; k < n; k++ {
					if !in(r.peek(k), "0123456789ABCDEFabcdef") {
						failAt(r.mark(), "while scanning a double-quoted scalar expected escape sequence of %d hexdecimal numbers", n)
					}
				}
				code, _ := strconv.ParseUint(r.prefix(n), 16, 32)
				if code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) {
					failAt(r.mark(), "while scanning a double-quoted scalar found invalid escape code")
				}
				chunks.WriteRune(rune(code))
				r.forward(n)
			} else if in(ch, "\n\r\u0085\u2028\u2029") {
				s.scanLineBreakPlain()
				s.scanFlowScalarBreaks(double, start, chunks)
			} else {
				failAt(r.mark(), "while scanning a double-quoted scalar found unknown escape character %s", strconv.QuoteRune(ch))
			}
		default:
			return
		}
	}
}

func (s *scanner) scanFlowScalarSpaces(double bool, start mark, chunks *strings.Builder) {
	r := s.r
	length := 0
	for in(r.peek(length), " \t") {
		length++
	}
	whitespaces := r.prefix(length)
	r.forward(length)
	ch := r.peek(0)
	if ch == 0 {
		failAt(r.mark(), "while scanning a quoted scalar found unexpected end of stream")
	} else if in(ch, "\r\n\u0085\u2028\u2029") {
		lineBreak := s.scanLineBreakPlain()
		var breaks strings.Builder
		s.scanFlowScalarBreaks(double, start, &breaks)
		if lineBreak != "\n" {
			chunks.WriteString(lineBreak)
		} else if breaks.Len() == 0 {
			chunks.WriteByte(' ')
		}
		chunks.WriteString(breaks.String())
	} else {
		chunks.WriteString(whitespaces)
	}
}

func (s *scanner) scanFlowScalarBreaks(double bool, start mark, chunks *strings.Builder) {
	r := s.r
	for {
		p := r.prefix(3)
		if (p == "---" || p == "...") && in(r.peek(3), theEndSpaceTab) {
			failAt(r.mark(), "while scanning a quoted scalar found unexpected document separator")
		}
		for in(r.peek(0), " \t") {
			r.forward(1)
		}
		if in(r.peek(0), "\r\n\u0085\u2028\u2029") {
			chunks.WriteString(s.scanLineBreakPlain())
		} else {
			return
		}
	}
}

// scanLineBreakPlain is the base Scanner.scan_line_break (no empty-line mode).
func (s *scanner) scanLineBreakPlain() string { return s.scanLineBreak(false) }

func (s *scanner) scanPlain() *token {
	r := s.r
	var chunks strings.Builder
	start := r.mark()
	end := start
	indent := s.indent + 1
	var spaces []string
	for {
		length := 0
		if r.peek(0) == '#' {
			break
		}
		var ch rune
		for {
			ch = r.peek(length)
			if ch == ':' && !in(r.peek(length+1), theEndSpaceTab) {
				// part of the scalar
			} else if ch == '?' {
				// YAML 1.2: '?' inside a plain scalar is fine
			} else if in(ch, theEndSpaceTab) ||
				(s.flowLevel() == 0 && ch == ':' && in(r.peek(length+1), theEndSpaceTab)) ||
				(s.flowLevel() > 0 && in(ch, ",:?[]{}")) {
				break
			}
			length++
		}
		if s.flowLevel() > 0 && ch == ':' && !in(r.peek(length+1), "\x00 \t\r\n\u0085\u2028\u2029,[]{}") {
			r.forward(length)
			failAt(r.mark(), "while scanning a plain scalar found unexpected ':'")
		}
		if length == 0 {
			break
		}
		s.allowSimpleKey = false
		for _, sp := range spaces {
			chunks.WriteString(sp)
		}
		chunks.WriteString(r.prefix(length))
		r.forward(length)
		end = r.mark()
		var ok bool
		spaces, ok = s.scanPlainSpaces()
		if !ok || len(spaces) == 0 || r.peek(0) == '#' || (s.flowLevel() == 0 && r.column < indent) {
			if !ok {
				spaces = nil
			}
			break
		}
	}
	t := &token{kind: tokScalar, value: chunks.String(), plain: true, start: start, end: end}
	if len(spaces) > 0 && spaces[0] == "\n" {
		t.addPostComment(&commentToken{value: strings.Join(spaces, "") + "\n", line: start.line, column: start.column})
	}
	return t
}

// scanPlainSpaces returns the whitespace chunks after a plain scalar part;
// ok is false when a document separator follows (Python returns None).
func (s *scanner) scanPlainSpaces() ([]string, bool) {
	r := s.r
	var chunks []string
	length := 0
	for r.peek(length) == ' ' {
		length++
	}
	whitespaces := r.prefix(length)
	r.forward(length)
	ch := r.peek(0)
	if in(ch, "\r\n\u0085\u2028\u2029") {
		lineBreak := s.scanLineBreakPlain()
		s.allowSimpleKey = true
		p := r.prefix(3)
		if (p == "---" || p == "...") && in(r.peek(3), theEndSpaceTab) {
			return nil, false
		}
		var breaks []string
		for in(r.peek(0), " \r\n\u0085\u2028\u2029") {
			if r.peek(0) == ' ' {
				r.forward(1)
			} else {
				breaks = append(breaks, s.scanLineBreakPlain())
				p := r.prefix(3)
				if (p == "---" || p == "...") && in(r.peek(3), theEndSpaceTab) {
					return nil, false
				}
			}
		}
		if lineBreak != "\n" {
			chunks = append(chunks, lineBreak)
		} else if len(breaks) == 0 {
			chunks = append(chunks, " ")
		}
		chunks = append(chunks, breaks...)
	} else if whitespaces != "" {
		chunks = append(chunks, whitespaces)
	}
	return chunks, true
}
