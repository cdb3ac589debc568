package experiment

import (
	"regexp"
	"strings"
)

// exceptionLine is the last line of a Python traceback: an exception's (possibly dotted) name,
// optionally followed by ": " and its message.
var exceptionLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*(: .*)?$`)

// maxScriptError bounds the script error kept in messages.
const maxScriptError = 500

// scriptError finds the script's error in its log: the exception line that ends the last
// Python traceback ("Traceback (most recent call last):", frames indented under it), or the
// last SyntaxError-style report (a "File" frame without that header). It returns "" when the
// log holds no traceback.
func scriptError(log string) string {
	lines := strings.Split(strings.ReplaceAll(log, "\r\n", "\n"), "\n")
	for i := len(lines) - 1; i > 0; i-- {
		line := lines[i]
		if !exceptionLine.MatchString(line) {
			continue
		}
		j, sawFrame := i-1, false
		for ; j >= 0 && (strings.HasPrefix(lines[j], " ") || strings.HasPrefix(lines[j], "\t")); j-- {
			if strings.HasPrefix(strings.TrimLeft(lines[j], " \t"), `File "`) {
				sawFrame = true
			}
		}
		if !sawFrame {
			continue
		}
		traceback := j >= 0 && strings.HasPrefix(lines[j], "Traceback (most recent call last):")
		name, _, _ := strings.Cut(line, ":")
		syntax := name == "SyntaxError" || name == "IndentationError" || name == "TabError"
		if traceback || syntax {
			if len(line) > maxScriptError {
				line = line[:maxScriptError] + "…"
			}
			return line
		}
	}
	return ""
}
