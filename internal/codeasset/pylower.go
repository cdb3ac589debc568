package codeasset

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pythonLower returns s.lower() as CPython 3 computes it, the sort key of azure-ai-ml's content
// hash. It differs from strings.ToLower in the two places where Python applies Unicode's full
// (not simple) lowercase mapping: U+0130 (İ) becomes "i\u0307", and U+03A3 (Σ) becomes the final
// form U+03C2 (ς) when it ends a word (the Final_Sigma context of Unicode's SpecialCasing).
// The per-character mappings come from Go's unicode tables; the oracle test compares all code
// points with the interpreter azure-ai-ml runs in.
func pythonLower(s string) string {
	if isLowerASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i, r := range s {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3A3:
			if finalSigma(s, i) {
				b.WriteRune(0x3C2)
			} else {
				b.WriteRune(0x3C3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isLowerASCII reports whether s is ASCII without upper-case letters, so that lowering keeps it.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// finalSigma reports whether the Σ at byte offset i of s is in the Final_Sigma context: a cased
// letter before it and none after it, skipping case-ignorable characters both ways (CPython's
// handle_capital_sigma).
func finalSigma(s string, i int) bool {
	return casedBefore(s[:i]) && !casedAfter(s[i+len("\u03a3"):])
}

// casedBefore reports whether the last character of s that is not case-ignorable is cased.
func casedBefore(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
		if !caseIgnorable(r) {
			return cased(r)
		}
	}
	return false
}

// casedAfter reports whether the first character of s that is not case-ignorable is cased.
func casedAfter(s string) bool {
	for _, r := range s {
		if !caseIgnorable(r) {
			return cased(r)
		}
	}
	return false
}

// cased is Unicode's Cased property: Lowercase, Uppercase or titlecase letters.
func cased(r rune) bool {
	return unicode.In(r, unicode.Ll, unicode.Lu, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// wordBreakMid lists the characters whose Word_Break property is MidLetter, MidNumLet or
// Single_Quote; Go's unicode package has no Word_Break table.
var wordBreakMid = [...]rune{0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024,
	0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A}

// caseIgnorable is Unicode's Case_Ignorable property.
func caseIgnorable(r rune) bool {
	for _, m := range wordBreakMid {
		if r == m {
			return true
		}
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
