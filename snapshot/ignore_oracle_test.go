package snapshot

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pathspecOracle is testdata/pathspec_oracle.json, written by
// testdata/gen_pathspec_oracle.py from the real pathspec 0.11.
type pathspecOracle struct {
	Pathspec string   `json:"pathspec"`
	Paths    []string `json:"paths"`
	Single   []struct {
		Pattern string `json:"pattern"`
		Error   string `json:"error"`
		Null    bool   `json:"null"`
		Include bool   `json:"include"`
		Regex   string `json:"regex"`
		M       string `json:"m"`
	} `json:"single"`
	Files []struct {
		Text  string `json:"text"`
		Error string `json:"error"`
		M     string `json:"m"`
	} `json:"files"`
}

func loadOracle(t *testing.T) *pathspecOracle {
	t.Helper()
	data, err := os.ReadFile("testdata/pathspec_oracle.json")
	require.NoError(t, err)
	var o pathspecOracle
	require.NoError(t, json.Unmarshal(data, &o))
	require.NotEmpty(t, o.Single)
	return &o
}

// TestIgnoreOracleSinglePatterns replays every single-pattern case against
// pathspec's verdict: compile error or not, null operation, include/exclude,
// and the match of each path.
func TestIgnoreOracleSinglePatterns(t *testing.T) {
	o := loadOracle(t)
	for _, c := range o.Single {
		m, err := ParseIgnore([]byte(c.Pattern))
		if c.Error != "" {
			assert.Error(t, err, "pattern %q: pathspec raises %s", c.Pattern, c.Error)
			if err != nil {
				assert.True(t, errors.Is(err, ErrInvalidPattern), "pattern %q: %v", c.Pattern, err)
			}
			continue
		}
		if !assert.NoError(t, err, "pattern %q (regex %s)", c.Pattern, c.Regex) {
			continue
		}
		if c.Null {
			assert.Empty(t, m.patterns, "pattern %q is a null operation", c.Pattern)
			continue
		}
		require.Len(t, m.patterns, 1, "pattern %q", c.Pattern)
		p := &m.patterns[0]
		assert.Equal(t, c.Include, p.include, "pattern %q", c.Pattern)
		for i, path := range o.Paths {
			want := c.M[i] == '1'
			assert.Equal(t, want, p.match(path), "pattern %q (regex %s) on path %q", c.Pattern, c.Regex, path)
		}
	}
	t.Logf("pathspec %s: %d patterns × %d paths", o.Pathspec, len(o.Single), len(o.Paths))
}

// TestIgnoreOracleFiles replays whole ignore files (last match wins,
// universal newlines, trailing-space stripping with the newline attached).
func TestIgnoreOracleFiles(t *testing.T) {
	o := loadOracle(t)
	for _, c := range o.Files {
		m, err := ParseIgnore([]byte(c.Text))
		if c.Error != "" {
			assert.Error(t, err, "file %q: pathspec raises %s", c.Text, c.Error)
			continue
		}
		if !assert.NoError(t, err, "file %q", c.Text) {
			continue
		}
		for i, path := range o.Paths {
			assert.Equal(t, c.M[i] == '1', m.Match(path), "file %q on path %q", c.Text, path)
		}
	}
}
