package snapshot

import (
	"bytes"
	"slices"
	"unsafe"
)

// listing holds the entry names of one directory in a reused buffer, so
// listing a directory allocates nothing once the buffers have grown.
type listing struct {
	buf   []byte
	spans []span
}

type span struct{ start, end int }

func (l *listing) reset() {
	l.buf = l.buf[:0]
	l.spans = l.spans[:0]
}

func (l *listing) add(name []byte) {
	start := len(l.buf)
	l.buf = append(l.buf, name...)
	l.spans = append(l.spans, span{start, len(l.buf)})
}

// sort orders the names bytewise (Python's sorted() order for UTF-8 names).
func (l *listing) sort() {
	slices.SortFunc(l.spans, func(a, b span) int {
		return bytes.Compare(l.buf[a.start:a.end], l.buf[b.start:b.end])
	})
}

func (l *listing) name(i int) []byte { return l.buf[l.spans[i].start:l.spans[i].end] }

// view returns b as a string without copying. The string must not be used
// after b is modified, and must not be retained: use it only for lookups
// and matching that do not keep their argument.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
