package experiment

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScriptError(t *testing.T) {
	for log, want := range map[string]string{
		"Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n    raise ValueError(\"bad alpha\")\nValueError: bad alpha\n": "ValueError: bad alpha",
		// Python 3.11 markers, output after the traceback, a dotted name.
		"start\nTraceback (most recent call last):\n  File \"t.py\", line 1, in <module>\n    f()\n    ^^^\n" +
			"sklearn.exceptions.NotFittedError: not fitted\nCleaning up\n": "sklearn.exceptions.NotFittedError: not fitted",
		// Chained exceptions: the last one is the script's error.
		"Traceback (most recent call last):\n  File \"t.py\", line 2, in <module>\nKeyError: 'a'\n\nDuring handling of the above exception, another exception occurred:\n\n" +
			"Traceback (most recent call last):\n  File \"t.py\", line 4, in <module>\nRuntimeError: no a\n": "RuntimeError: no a",
		// A message over several lines: its first line.
		"Traceback (most recent call last):\n  File \"t.py\", line 1, in <module>\nValueError: first\nsecond\n": "ValueError: first",
		"Traceback (most recent call last):\n  File \"t.py\", line 5, in <module>\nKeyboardInterrupt\n":         "KeyboardInterrupt",
		"  File \"/w/t.py\", line 1\n    def (\n        ^\nSyntaxError: invalid syntax\n":                       "SyntaxError: invalid syntax",
		// No traceback: nothing, even for lines that look like one.
		"line 39\nboom: bad input\n":                          "",
		"  File \"x\", line 1\nValueError: not a traceback\n": "",
		"": "",
	} {
		assert.Equal(t, want, scriptError(log), log)
	}
}
