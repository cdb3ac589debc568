package conda

import (
	"strings"
	"unicode/utf8"
)

// mark is a position in the input, counted like ruamel's reader:
// columns count code points, '\uFEFF' does not advance the column.
type mark struct {
	index  int
	line   int
	column int
}

// reader is the character source of the scanner. The buffer ends with a
// NUL sentinel, like ruamel's.
type reader struct {
	buf    []rune
	ptr    int
	line   int
	column int
}

// universalNewlines converts text the way Python's text-mode open() does:
// "\r\n" and lone "\r" both become "\n".
func universalNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// newReader decodes the UTF-8 input and rejects characters that YAML does
// not allow (ruamel's check_printable).
func newReader(data string) (*reader, error) {
	if !utf8.ValidString(data) {
		return nil, yamlErrorf("input is not valid UTF-8")
	}
	runes := []rune(data)
	for i, r := range runes {
		if !printable(r) {
			line, col := 0, 0
			for _, p := range runes[:i] {
				if p == '\n' {
					line++
					col = 0
				} else {
					col++
				}
			}
			return nil, yamlErrorf("unacceptable character #x%04x: special characters are not allowed (line %d, column %d)", r, line+1, col+1)
		}
	}
	return &reader{buf: append(runes, 0)}, nil
}

func printable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0x7E:
		return true
	case r == 0x85:
		return true
	case r >= 0xA0 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

func (r *reader) peek(i int) rune {
	if p := r.ptr + i; p < len(r.buf) {
		return r.buf[p]
	}
	return 0
}

func (r *reader) prefix(n int) string {
	end := r.ptr + n
	if end > len(r.buf) {
		end = len(r.buf)
	}
	return string(r.buf[r.ptr:end])
}

func (r *reader) forward(n int) {
	for ; n > 0; n-- {
		if r.ptr >= len(r.buf) {
			return
		}
		ch := r.buf[r.ptr]
		r.ptr++
		if ch == '\n' || (ch == '\r' && r.peek(0) != '\n') {
			r.line++
			r.column = 0
		} else if ch != '\uFEFF' {
			r.column++
		}
	}
}

func (r *reader) mark() mark {
	return mark{index: r.ptr, line: r.line, column: r.column}
}
