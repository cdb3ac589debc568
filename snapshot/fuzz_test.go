package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// referenceRegexp is an independent, straightforward port of pathspec
// 0.11.1's pattern_to_regex to a Go regexp, for the subset of patterns whose
// bracket expressions mean the same in Python and RE2 (letters and digits,
// ranges in order). ok is false for null operations, errors and the rest.
func referenceRegexp(line string) (re *regexp.Regexp, include, ok bool) {
	pattern := pyStrip(line)
	if pattern == "" || strings.HasPrefix(pattern, "#") || pattern == "/" {
		return nil, false, false
	}
	include = true
	if strings.HasPrefix(pattern, "!") {
		include = false
		pattern = pattern[1:]
	}
	segs := strings.Split(pattern, "/")
	for i := len(segs) - 1; i > 0; i-- {
		if segs[i-1] == "**" && segs[i] == "**" {
			segs = append(segs[:i], segs[i+1:]...)
		}
	}
	override := ""
	if len(segs) == 2 && segs[0] == "**" && segs[1] == "" {
		override = `^.+(?P<ps_d>/).*$`
	}
	if segs[0] == "" {
		segs = segs[1:]
	} else if len(segs) == 1 || (len(segs) == 2 && segs[1] == "") {
		if segs[0] != "**" {
			segs = append([]string{"**"}, segs...)
		}
	}
	if len(segs) == 0 {
		return nil, false, false
	}
	if segs[len(segs)-1] == "" && len(segs) > 1 {
		segs[len(segs)-1] = "**"
	}
	out := override
	if out == "" {
		var b strings.Builder
		b.WriteString("^")
		needSlash := false
		end := len(segs) - 1
		for i, seg := range segs {
			switch {
			case seg == "**" && i == 0 && i == end:
				b.WriteString(`[^/]+(?:(?P<ps_d>/).*)?`)
			case seg == "**" && i == 0:
				b.WriteString(`(?:.+/)?`)
				needSlash = false
			case seg == "**" && i == end:
				b.WriteString(`(?P<ps_d>/).*`)
			case seg == "**":
				b.WriteString(`(?:/.+)?`)
				needSlash = true
			default:
				if needSlash {
					b.WriteString("/")
				}
				if seg == "*" {
					b.WriteString(`[^/]+`)
				} else {
					g, ok := referenceGlob(seg)
					if !ok {
						return nil, false, false
					}
					b.WriteString(g)
				}
				if i == end {
					b.WriteString(`(?:(?P<ps_d>/).*)?`)
				}
				needSlash = true
			}
		}
		b.WriteString("$")
		out = b.String()
	}
	out = strings.TrimSuffix(out, "$") + `(?:\n)?$` // Python's "$" also matches before a final newline
	re, err := regexp.Compile(out)
	if err != nil {
		return nil, false, false
	}
	return re, include, true
}

func referenceGlob(seg string) (string, bool) {
	var b strings.Builder
	rs := []rune(seg)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '\\':
			if i+1 >= len(rs) {
				return "", false
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '*':
			b.WriteString(`[^/]*`)
		case '?':
			b.WriteString(`[^/]`)
		case '[':
			j := i + 1
			neg := false
			if j < len(rs) && rs[j] == '!' {
				neg = true
				j++
			}
			k := j
			for k < len(rs) && rs[k] != ']' {
				if !isAlnum(rs[k]) && rs[k] != '-' {
					return "", false // not in the simple subset
				}
				k++
			}
			if k >= len(rs) {
				if strings.ContainsRune(string(rs[i+1:]), ']') {
					return "", false
				}
				b.WriteString(`\[`)
				continue
			}
			body := rs[j:k]
			if len(body) == 0 || body[0] == '-' || body[len(body)-1] == '-' {
				return "", false
			}
			for m := 1; m+1 < len(body); m++ {
				if body[m] == '-' && (body[m-1] > body[m+1] || body[m-1] == '-' || body[m+1] == '-') {
					return "", false
				}
			}
			b.WriteString("[")
			if neg {
				b.WriteString("^")
			}
			b.WriteString(string(body))
			b.WriteString("]")
			i = k
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String(), true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// FuzzIgnore: ParseIgnore and Match never panic; invalid files fail with
// ErrInvalidPattern; every pattern in the reference subset agrees with the
// regexp port of pathspec, and so does the last-match-wins verdict.
func FuzzIgnore(f *testing.F) {
	for _, s := range [][2]string{
		{"outputs\n!outputs/model.pkl\n", "outputs/model.pkl"},
		{"logs/\n!logs/l.txt\n", "logs/l.txt"},
		{"*.py[cod]\n**/__pycache__\n", "a/__pycache__/x.pyc"},
		{"/build/\n", "build/x"},
		{"a/**/b\n", "a/x/y/b"},
		{"**/\n", "a/b"},
		{"\\#x\n\\!y\n", "#x"},
		{"[a-c]?.txt  \n", "b1.txt"},
		{"[!a-c]*\n", "d/e"},
		{"[^]a]\n", "^a]"},
		{"**\n!x\n", "x\n"},
		{"x\\\n", "x"},
		{"[z-a]\n", "a"},
		{"\u00e9*\n", "\u00e9t\u00e9"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, text, path string) {
		m, err := ParseIgnore([]byte(text))
		if err != nil {
			if !errors.Is(err, ErrInvalidPattern) {
				t.Fatalf("ParseIgnore(%q): error %v does not wrap ErrInvalidPattern", text, err)
			}
			return
		}
		got := m.Match(path)
		if !utf8.ValidString(path) {
			return
		}
		norm := path
		if strings.HasPrefix(norm, "/") {
			norm = norm[1:]
		} else if strings.HasPrefix(norm, "./") {
			norm = norm[2:]
		}
		allKnown := true
		want := false
		for i := range m.patterns {
			p := &m.patterns[i]
			re, include, ok := referenceRegexp(p.text)
			if !ok {
				allKnown = false
				continue
			}
			if include != p.include {
				t.Fatalf("pattern %q: include %v, reference %v", p.text, p.include, include)
			}
			r := re.MatchString(norm)
			if r != p.match(norm) {
				t.Fatalf("pattern %q (reference %s) on %q: matcher %v, reference %v", p.text, re, norm, !r, r)
			}
			if r {
				want = include
			}
		}
		if allKnown && got != want {
			t.Fatalf("file %q on %q: Match %v, reference %v", text, path, got, want)
		}
	})
}

// FuzzRestore builds a tar from a line-oriented spec ("f name", "d name",
// "l name\ttarget", "h name\ttarget", "x name"; "@OUT@" in a target stands
// for an absolute path outside dest), restores it, and checks that nothing
// outside dest was created or changed, whatever Restore returned.
func FuzzRestore(f *testing.F) {
	for _, s := range []string{
		"f a\nd b/\nl c\tb",
		"f ../x",
		"f /tmp/amlgo-fuzz-abs",
		"l l\t..\nf l/x",
		"l l\t../outside\nf l/canary",
		"l l\t@OUT@\nf l/y",
		"l l\t.\nl m\tl/..\nf m/outside/z",
		"d a/\nl a/b\t../../outside\nf a/b/c",
		"l a\tl/../outside\nl l\t.",
		"f a\nf a/b",
		"h h\t../outside/canary",
		"f a//b\nf ./c\nf d/./e",
		"l x\tsub\nd sub/\nf x/y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		if len(spec) > 2000 {
			return
		}
		base, dest, outside := sandbox(t)
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, line := range strings.Split(spec, "\n") {
			if len(line) < 2 {
				continue
			}
			name, target, _ := strings.Cut(line[2:], "\t")
			target = strings.ReplaceAll(target, "@OUT@", outside)
			hdr := &tar.Header{Name: name, Mode: 0o644, Format: tar.FormatPAX}
			switch line[0] {
			case 'f':
				hdr.Typeflag, hdr.Size = tar.TypeReg, 1
			case 'd':
				hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
			case 'l':
				hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
			case 'h':
				hdr.Typeflag, hdr.Linkname = tar.TypeLink, target
			default:
				hdr.Typeflag = tar.TypeFifo
			}
			if err := tw.WriteHeader(hdr); err != nil {
				return
			}
			if hdr.Typeflag == tar.TypeReg {
				tw.Write([]byte("x"))
			}
		}
		if tw.Close() != nil {
			return
		}
		_ = Restore(context.Background(), &buf, dest)
		assertOutsideUntouched(t, base)
	})
}
