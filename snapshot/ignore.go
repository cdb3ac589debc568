package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Names of the ignore files azureml-core looks for in the root of the
// snapshot directory (and only there).
const (
	AmlIgnoreFile = ".amlignore"
	GitIgnoreFile = ".gitignore"
)

// IgnoreMatcher holds the patterns of one ignore file and answers whether a
// path is excluded, exactly as azureml-core 1.50 does through
// pathspec.PathSpec.from_lines("gitwildmatch", lines).match_file(path):
// every pattern is tried and the last one that matches decides (a "!"
// pattern re-includes). The zero value and a nil *IgnoreMatcher exclude
// nothing. An IgnoreMatcher is immutable and safe for concurrent use.
type IgnoreMatcher struct {
	source   string // file the patterns came from, if any
	patterns []compiledPattern
}

// ParseIgnore parses the content of an ignore file. Lines end at "\n",
// "\r\n" or "\r" (Python's universal newlines); leading and trailing
// whitespace is stripped; blank lines, "#" comments and a lone "/" do
// nothing. The content must be UTF-8. A line pathspec cannot compile (for
// example a trailing backslash, a lone "!", or a reversed range "[z-a]") is a
// *PatternError wrapping ErrInvalidPattern, as azureml-core fails the
// snapshot on it.
func ParseIgnore(data []byte) (*IgnoreMatcher, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("snapshot: ignore file is not valid UTF-8: %w", ErrInvalidPattern)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	m := &IgnoreMatcher{}
	lineNo := 0
	for len(text) > 0 {
		lineNo++
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i+1], text[i+1:]
		} else {
			text = ""
		}
		p, ok, err := compilePattern(line, lineNo)
		if err != nil {
			return nil, err
		}
		if ok {
			m.patterns = append(m.patterns, p)
		}
	}
	return m, nil
}

// LoadIgnore returns the matcher azureml-core would use for a snapshot of
// dir: the patterns of dir/.amlignore when that file exists (even empty),
// otherwise those of dir/.gitignore, otherwise a matcher that excludes
// nothing. Ignore files in subdirectories are never consulted.
func LoadIgnore(dir string) (*IgnoreMatcher, error) {
	for _, name := range []string{AmlIgnoreFile, GitIgnoreFile} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("snapshot: reading ignore file: %w", err)
		}
		m, err := ParseIgnore(data)
		if err != nil {
			var pe *PatternError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%w (in %s)", err, path)
			}
			return nil, err
		}
		m.source = name
		return m, nil
	}
	return &IgnoreMatcher{}, nil
}

// Source names the ignore file the patterns were loaded from by LoadIgnore
// (".amlignore" or ".gitignore"), or "" when none was used.
func (m *IgnoreMatcher) Source() string {
	if m == nil {
		return ""
	}
	return m.source
}

// Patterns returns the effective patterns (comments and blank lines dropped),
// stripped of surrounding whitespace, in file order.
func (m *IgnoreMatcher) Patterns() []string {
	if m == nil {
		return nil
	}
	out := make([]string, len(m.patterns))
	for i, p := range m.patterns {
		out[i] = p.text
	}
	return out
}

// Match reports whether the slash-separated path, relative to the directory
// holding the ignore file, is excluded. Directories are passed without a
// trailing slash, as azureml-core's snapshot walk does, so a "logs/" pattern
// does not match the directory "logs" itself but does match "logs/x". A
// leading "/" or "./" is removed first, as pathspec does.
func (m *IgnoreMatcher) Match(path string) bool {
	if m == nil || len(m.patterns) == 0 {
		return false
	}
	if strings.HasPrefix(path, "/") {
		path = path[1:]
	} else if strings.HasPrefix(path, "./") {
		path = path[2:]
	}
	// The last matching pattern decides, so search from the end.
	for i := len(m.patterns) - 1; i >= 0; i-- {
		if m.patterns[i].match(path) {
			return m.patterns[i].include
		}
	}
	return false
}
