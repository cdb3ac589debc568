package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// This file translates one gitwildmatch line into a token list, mirroring
// pathspec 0.11.1 (the version in azureml-core 1.50's environment):
// GitWildMatchPattern.pattern_to_regex and _translate_segment_glob, plus the
// way Python's re module parses the bracket expressions those emit. The
// tokens stand for the pieces of pathspec's regular expression:
//
//	tokLit      literal text (re.escape output)
//	tokStar     [^/]*
//	tokAny      [^/]
//	tokClass    [...] as Python's re parses it
//	tokSegment  [^/]+
//	tokLead     (?:.+/)?
//	tokInner    (?:/.+)?
//	tokTail     /.*            ((?P<ps_d>/).* in pathspec)
//	tokTailOpt  (?:/.*)?       ((?:(?P<ps_d>/).*)? in pathspec)
//	tokDotPlus  .+
//
// and every expression ends with Python's "$" (end of text, or before a
// final "\n"). "." never matches "\n"; the [^/] forms do.

type tokKind uint8

const (
	tokLit tokKind = iota
	tokStar
	tokAny
	tokClass
	tokSegment
	tokLead
	tokInner
	tokTail
	tokTailOpt
	tokDotPlus
)

type token struct {
	kind  tokKind
	lit   string     // tokLit
	class *charClass // tokClass
}

type runeRange struct{ lo, hi rune }

// charClass is a parsed bracket expression. A negated class matches any rune
// outside the set, "/" and "\n" included (as Python's [^...] does).
type charClass struct {
	negate bool
	ranges []runeRange
}

func (c *charClass) matches(r rune) bool {
	in := false
	for _, rg := range c.ranges {
		if r >= rg.lo && r <= rg.hi {
			in = true
			break
		}
	}
	return in != c.negate
}

// compiledPattern is one effective (non-comment, non-blank) ignore line.
type compiledPattern struct {
	text    string // the line with whitespace stripped, as pathspec saw it
	line    int    // 1-based line number in the ignore file
	include bool   // true: a match ignores the path; false ("!"): a match re-includes it
	toks    []token
	need    string // longest literal every match must contain (prefilter), may be ""
}

// pyStrip is Python's str.strip(): it removes the characters str.isspace()
// reports, which are Go's unicode.IsSpace plus U+001C..U+001F.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
	})
}

// compilePattern translates one line (its newline may still be attached).
// It returns ok=false for a null operation (blank line, comment, a lone "/").
func compilePattern(line string, lineNo int) (p compiledPattern, ok bool, err error) {
	orig := line
	pat := pyStrip(line)
	if pat == "" || strings.HasPrefix(pat, "#") || pat == "/" {
		return p, false, nil
	}
	bad := func(reason string) error {
		return &PatternError{Line: lineNo, Pattern: orig, Reason: reason}
	}
	p = compiledPattern{text: pat, line: lineNo, include: true}
	if strings.HasPrefix(pat, "!") {
		p.include = false
		pat = pat[1:]
	}
	segs := strings.Split(pat, "/")
	// Collapse runs of "**" segments.
	for i := len(segs) - 1; i > 0; i-- {
		if segs[i-1] == "**" && segs[i] == "**" {
			segs = slices.Delete(segs, i, i+1)
		}
	}
	override := len(segs) == 2 && segs[0] == "**" && segs[1] == ""
	switch {
	case segs[0] == "":
		segs = segs[1:] // anchored to the root
	case len(segs) == 1 || (len(segs) == 2 && segs[1] == ""):
		if segs[0] != "**" {
			segs = append([]string{"**"}, segs...)
		}
	}
	if len(segs) == 0 {
		return p, false, bad("no pattern left")
	}
	if segs[len(segs)-1] == "" && len(segs) > 1 {
		segs[len(segs)-1] = "**"
	}
	var toks []token
	if override {
		// "**/": everything except files directly in the root.
		toks = []token{{kind: tokDotPlus}, {kind: tokTail}}
	} else {
		needSlash := false
		end := len(segs) - 1
		for i, seg := range segs {
			switch {
			case seg == "**":
				switch {
				case i == 0 && i == end:
					toks = append(toks, token{kind: tokSegment}, token{kind: tokTailOpt})
				case i == 0:
					toks = append(toks, token{kind: tokLead})
					needSlash = false
				case i == end:
					toks = append(toks, token{kind: tokTail})
				default:
					toks = append(toks, token{kind: tokInner})
					needSlash = true
				}
			case seg == "*":
				if needSlash {
					toks = appendLit(toks, "/")
				}
				toks = append(toks, token{kind: tokSegment})
				if i == end {
					toks = append(toks, token{kind: tokTailOpt})
				}
				needSlash = true
			default:
				if needSlash {
					toks = appendLit(toks, "/")
				}
				globToks, gerr := translateSegmentGlob(seg)
				if gerr != nil {
					return p, false, bad(gerr.Error())
				}
				for _, t := range globToks {
					if t.kind == tokLit {
						toks = appendLit(toks, t.lit)
					} else {
						toks = append(toks, t)
					}
				}
				if i == end {
					toks = append(toks, token{kind: tokTailOpt})
				}
				needSlash = true
			}
		}
	}
	p.toks = toks
	for _, t := range toks {
		if t.kind == tokLit && len(t.lit) > len(p.need) {
			p.need = t.lit
		}
	}
	return p, true, nil
}

// appendLit appends literal text, merging it with a preceding literal.
func appendLit(toks []token, s string) []token {
	if s == "" {
		return toks
	}
	if n := len(toks); n > 0 && toks[n-1].kind == tokLit {
		toks[n-1].lit += s
		return toks
	}
	return append(toks, token{kind: tokLit, lit: s})
}

// translateSegmentGlob mirrors pathspec's _translate_segment_glob followed by
// Python's regex parse of its output.
func translateSegmentGlob(seg string) ([]token, error) {
	rs := []rune(seg)
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = appendLit(toks, lit.String())
			lit.Reset()
		}
	}
	escape := false
	i, end := 0, len(rs)
	for i < end {
		c := rs[i]
		i++
		switch {
		case escape:
			escape = false
			lit.WriteRune(c)
		case c == '\\':
			escape = true
		case c == '*':
			flush()
			toks = append(toks, token{kind: tokStar})
		case c == '?':
			flush()
			toks = append(toks, token{kind: tokAny})
		case c == '[':
			// pathspec 0.11.1 skips a leading "!" (not "^") before looking for
			// the closing bracket.
			j := i
			if j < end && rs[j] == '!' {
				j++
			}
			if j < end && rs[j] == ']' {
				j++
			}
			for j < end && rs[j] != ']' {
				j++
			}
			if j >= end {
				lit.WriteRune('[') // no closing bracket: a literal "["
				continue
			}
			j++
			negate, caret := false, false
			switch rs[i] {
			case '!':
				negate = true
				i++
			case '^':
				caret = true // pathspec 0.11.1 emits "\^": a literal caret, not a negation
				i++
			}
			cls, rest, err := parsePyClass(negate, caret, rs[i:j])
			if err != nil {
				return nil, err
			}
			flush()
			toks = append(toks, token{kind: tokClass, class: cls})
			if len(rest) > 0 {
				// Cannot happen: the bracket text always ends at the first "]"
				// Python's parser accepts as closing.
				return nil, fmt.Errorf("unexpected text %q after a bracket expression", string(rest))
			}
			i = j
		default:
			lit.WriteRune(c)
		}
	}
	if escape {
		return nil, errors.New("escape character found with no next character to escape")
	}
	flush()
	return toks, nil
}

// parsePyClass parses the bracket expression pathspec emits the way Python's
// re parser does. content is the glob text after "[" and the optional "!"/"^",
// up to and including the closing "]". Backslashes reach re doubled, so each
// is a literal backslash. It returns the text re reads after the class closes.
func parsePyClass(negate, caret bool, content []rune) (*charClass, []rune, error) {
	items := content
	if caret {
		items = append([]rune{'^'}, content...)
	}
	cls := &charClass{negate: negate}
	k := 0
	for {
		if k >= len(items) {
			return nil, nil, errors.New("unterminated character set")
		}
		this := items[k]
		k++
		if this == ']' && len(cls.ranges) > 0 {
			break
		}
		if k < len(items) && items[k] == '-' {
			k++
			if k >= len(items) {
				return nil, nil, errors.New("unterminated character set")
			}
			that := items[k]
			k++
			if that == ']' {
				cls.ranges = append(cls.ranges, runeRange{this, this}, runeRange{'-', '-'})
				break
			}
			if that < this {
				return nil, nil, fmt.Errorf("bad character range %c-%c", this, that)
			}
			cls.ranges = append(cls.ranges, runeRange{this, that})
			continue
		}
		cls.ranges = append(cls.ranges, runeRange{this, this})
	}
	return cls, items[k:], nil
}

// PatternError reports an ignore-file line that azureml-core (pathspec) would
// refuse to compile; azureml then fails the snapshot, and so does Take.
type PatternError struct {
	Line    int    // 1-based line number
	Pattern string // the line as read (trailing newline removed)
	Reason  string
}

// Error implements error.
func (e *PatternError) Error() string {
	return fmt.Sprintf("snapshot: invalid ignore pattern %q on line %d: %s",
		strings.TrimSuffix(e.Pattern, "\n"), e.Line, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalidPattern) match.
func (e *PatternError) Unwrap() error { return ErrInvalidPattern }
