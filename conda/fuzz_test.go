package conda

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts serializes to
// text that parses again to the same packages and channels.
func FuzzParse(f *testing.F) {
	seeds := []string{
		baseTemplate,
		"name: x\ndependencies:\n  - python=3.6\n  - pip:\n    - a # c\n",
		`{"name": "x", "dependencies": ["python=3.8", {"pip": ["a"]}]}`,
		"dependencies: [a, {pip: [b]}]\nchannels: [c]\n",
		"# c\n\nname: x\r\nvariables:\n  A: 1.50\n  B: 0x1F\n",
		"dependencies:\n- \"quoted: x\"\n- 'it''s'\n- multi\n  line\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if dir, err := os.Getwd(); err == nil {
		corpus, _ := filepath.Glob(filepath.Join(dir, "..", "..", "shared", "corpus", "conda", "*"))
		for _, p := range corpus {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		out := d.Serialize()
		d2, err := Parse(out)
		if err != nil {
			t.Fatalf("serialized output does not parse: %v\ninput: %q\noutput: %q", err, data, out)
		}
		for _, pair := range [][2][]string{
			{d.CondaPackages(), d2.CondaPackages()},
			{d.PipPackages(), d2.PipPackages()},
			{d.PipOptions(), d2.PipOptions()},
			{d.Channels(), d2.Channels()},
		} {
			if !equalStrings(pair[0], pair[1]) {
				t.Fatalf("values changed: %q vs %q\ninput: %q\noutput: %q", pair[0], pair[1], data, out)
			}
		}
		// Edits must not panic either.
		c := d.Clone()
		_ = c.AddPipPackage("fuzz-pkg==1.0")
		_ = c.AddCondaPackage("fuzz-conda")
		_ = c.SetPipOption("--extra-index-url https://example.org")
		_ = c.AddChannel("fuzz")
		_ = c.SetPythonVersion("3.8.13")
		_ = c.Serialize()
		_, _ = c.MarshalJSON()
		_ = c.Hash()
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
