package snapshot

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

// match runs the token list over s the way Python's re.match runs the
// pattern's regular expression: it tracks the set of byte offsets reachable
// after each token (a bitset) and advances the whole set per token, so it
// never backtracks and takes O(tokens × len(s)) time. Offsets are always rune
// boundaries; an invalid UTF-8 byte counts as one rune.
func (p *compiledPattern) match(s string) bool {
	if p.need != "" && !strings.Contains(s, p.need) {
		return false
	}
	n := len(s)
	words := n/64 + 1
	var bufA, bufB [4]uint64
	var cur, next []uint64
	if words <= len(bufA) {
		cur, next = bufA[:words], bufB[:words]
	} else {
		cur, next = make([]uint64, words), make([]uint64, words)
	}
	cur[0] = 1 // offset 0
	last := len(p.toks) - 1
	for ti := range p.toks {
		tk := &p.toks[ti]
		if ti == last && (tk.kind == tokTail || tk.kind == tokTailOpt) {
			// A trailing "/.*" or "(?:/.*)?" followed by "$": decide directly.
			// ".*$" matches s[from:] when no "\n" is left but a final one.
			lastNL := -1
			if n > 0 {
				lastNL = strings.LastIndexByte(s[:n-1], '\n')
			}
			for wi, w := range cur {
				for w != 0 {
					pos := wi*64 + bits.TrailingZeros64(w)
					w &= w - 1
					if tk.kind == tokTailOpt && atEnd(s, pos) {
						return true
					}
					if pos < n && s[pos] == '/' && lastNL < pos+1 {
						return true
					}
				}
			}
			return false
		}
		clear(next)
		if !stepSet(tk, s, cur, next) {
			return false
		}
		cur, next = next, cur
	}
	for wi, w := range cur {
		for w != 0 {
			pos := wi*64 + bits.TrailingZeros64(w)
			w &= w - 1
			if atEnd(s, pos) {
				return true
			}
		}
	}
	return false
}

// atEnd is Python's "$" without MULTILINE: the end of s, or just before a
// final "\n".
func atEnd(s string, pos int) bool {
	return pos == len(s) || (pos == len(s)-1 && s[pos] == '\n')
}

func setBit(b []uint64, pos int)      { b[pos>>6] |= 1 << (uint(pos) & 63) }
func hasBit(b []uint64, pos int) bool { return b[pos>>6]&(1<<(uint(pos)&63)) != 0 }

// runeAt decodes the rune at s[pos] (pos < len(s)).
func runeAt(s string, pos int) (rune, int) {
	if c := s[pos]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[pos:])
}

// stepSet puts in next every offset at which tk can end when it starts at
// an offset in cur, and reports whether there is any.
func stepSet(tk *token, s string, cur, next []uint64) bool {
	n := len(s)
	any := false
	set := func(pos int) {
		setBit(next, pos)
		any = true
	}
	switch tk.kind {
	case tokLit, tokAny, tokClass:
		for wi, w := range cur {
			for w != 0 {
				pos := wi*64 + bits.TrailingZeros64(w)
				w &= w - 1
				switch tk.kind {
				case tokLit:
					if strings.HasPrefix(s[pos:], tk.lit) {
						set(pos + len(tk.lit))
					}
				default:
					if pos >= n {
						continue
					}
					r, width := runeAt(s, pos)
					if tk.kind == tokAny && r != '/' || tk.kind == tokClass && tk.class.matches(r) {
						set(pos + width)
					}
				}
			}
		}
		return any
	case tokStar, tokSegment, tokDotPlus:
		// [^/]*, [^/]+ and .+: a run of runes other than the blocker, from any
		// start in cur. "active" means some start reaches this offset.
		blocker := byte('/')
		if tk.kind == tokDotPlus {
			blocker = '\n'
		}
		active := false
		for q := 0; q <= n; {
			if hasBit(cur, q) {
				if tk.kind == tokStar {
					set(q)
				}
				active = true
			}
			if q == n {
				break
			}
			_, width := runeAt(s, q)
			if s[q] == blocker {
				active = false
			}
			q += width
			if active {
				set(q)
			}
		}
		return any
	case tokLead:
		// (?:.+/)?: nothing, or one or more non-newline runes then "/".
		active := false // a start lies before q with no newline in between
		for q := 0; q <= n; {
			if hasBit(cur, q) {
				set(q)
			}
			if q == n {
				break
			}
			if active && s[q] == '/' {
				set(q + 1)
			}
			_, width := runeAt(s, q)
			if s[q] == '\n' {
				active = false
			} else if hasBit(cur, q) {
				active = true
			}
			q += width
		}
		return any
	case tokInner, tokTail, tokTailOpt:
		// (?:/.+)?, /.* and (?:/.*)?: "/" from a start, then non-newline runes
		// (at least one for tokInner).
		active, armed := false, false
		for q := 0; q <= n; {
			if hasBit(cur, q) && tk.kind != tokTail {
				set(q)
			}
			if q == n {
				break
			}
			_, width := runeAt(s, q)
			c := s[q]
			start := hasBit(cur, q) && c == '/'
			if tk.kind == tokInner {
				active = (active || armed) && c != '\n'
				armed = start
			} else {
				active = (active && c != '\n') || start
			}
			q += width
			if active {
				set(q)
			}
		}
		return any
	}
	return false
}
