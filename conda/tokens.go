package conda

// tokenKind enumerates the YAML token types of the scanner.
type tokenKind int

const (
	tokStreamStart tokenKind = iota
	tokStreamEnd
	tokDirective
	tokDocumentStart
	tokDocumentEnd
	tokBlockSequenceStart
	tokBlockMappingStart
	tokBlockEnd
	tokFlowSequenceStart
	tokFlowMappingStart
	tokFlowSequenceEnd
	tokFlowMappingEnd
	tokKey
	tokValue
	tokBlockEntry
	tokFlowEntry
	tokAlias
	tokAnchor
	tokTag
	tokScalar
	tokComment
)

var tokenNames = map[tokenKind]string{
	tokStreamStart:        "<stream start>",
	tokStreamEnd:          "<stream end>",
	tokDirective:          "<directive>",
	tokDocumentStart:      "<document start>",
	tokDocumentEnd:        "<document end>",
	tokBlockSequenceStart: "<block sequence start>",
	tokBlockMappingStart:  "<block mapping start>",
	tokBlockEnd:           "<block end>",
	tokFlowSequenceStart:  "'['",
	tokFlowMappingStart:   "'{'",
	tokFlowSequenceEnd:    "']'",
	tokFlowMappingEnd:     "'}'",
	tokKey:                "?",
	tokValue:              ":",
	tokBlockEntry:         "-",
	tokFlowEntry:          ",",
	tokAlias:              "<alias>",
	tokAnchor:             "<anchor>",
	tokTag:                "<tag>",
	tokScalar:             "<scalar>",
	tokComment:            "<comment>",
}

// token is one scanner token. For comment tokens ct holds the comment
// object that later travels through the comment lists.
type token struct {
	kind    tokenKind
	start   mark
	end     mark
	value   string
	plain   bool
	style   rune
	ct      *commentToken
	comment *commentList
}

func (t *token) name() string { return tokenNames[t.kind] }

// addPostComment is ruamel's Token.add_post_comment.
func (t *token) addPostComment(c *commentToken) {
	if t.comment == nil {
		t.comment = newCommentList(nil, nil)
	}
	t.comment.set(0, c)
}

// addPreComments is ruamel's Token.add_pre_comments.
func (t *token) addPreComments(cs []*commentToken) {
	if t.comment == nil {
		t.comment = newCommentList(nil, nil)
	}
	if !t.comment.isNone(1) {
		fail(yamlErrorf("internal comment assertion failed"))
	}
	t.comment.set(1, &commentTokens{list: cs})
}

// moveOldComment is ruamel's Token.move_old_comment: move this token's
// comment to target (normally the next token).
func (t *token) moveOldComment(target *token, empty bool) {
	c := t.comment
	if c == nil {
		return
	}
	if target.kind == tokStreamEnd || target.kind == tokDocumentStart {
		return
	}
	t.comment = nil
	tc := target.comment
	if !truthy(tc) {
		if empty {
			c = newCommentList(c.at(0), c.at(1), nil, nil, c.at(0))
		}
		target.comment = c
		return
	}
	if (truthy(c.at(0)) && truthy(tc.at(0))) || (truthy(c.at(1)) && truthy(tc.at(1))) {
		fail(yamlErrorf("overlap in comment"))
	}
	if truthy(c.at(0)) {
		tc.set(0, c.at(0))
	}
	if truthy(c.at(1)) {
		tc.set(1, c.at(1))
	}
}

// splitOldComment is ruamel's Token.split_old_comment.
func (t *token) splitOldComment() *commentList {
	c := t.comment
	if c == nil || c.isNone(0) {
		return nil
	}
	ret := newCommentList(c.at(0), nil)
	if c.isNone(1) {
		t.comment = nil
	}
	return ret
}
