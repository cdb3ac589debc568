package envbuild

import (
	"os"
	"path/filepath"
	"strings"
)

// condaTool is the executable that builds conda environments.
type condaTool struct {
	name string // "micromamba", "mamba" or "conda"
	path string
}

// findCondaTool looks for micromamba, mamba and conda, in that order (the
// fastest solver first). $MAMBA_EXE and $CONDA_EXE, which conda/micromamba
// shell hooks set even when the tool itself is not on PATH, are consulted
// after the PATH lookups of the same family.
func findCondaTool(lookPath func(string) (string, error)) (condaTool, bool) {
	candidates := []struct{ name, env string }{
		{"micromamba", ""},
		{"", "MAMBA_EXE"},
		{"mamba", ""},
		{"conda", ""},
		{"", "CONDA_EXE"},
	}
	for _, c := range candidates {
		if c.name != "" {
			if p, err := lookPath(c.name); err == nil {
				return condaTool{name: c.name, path: p}, true
			}
			continue
		}
		p := os.Getenv(c.env)
		if p == "" || !isExecutableFile(p) {
			continue
		}
		return condaTool{name: toolFamily(p), path: p}, true
	}
	return condaTool{}, false
}

// toolFamily names the command-line dialect of the executable at path.
func toolFamily(path string) string {
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(base, "micromamba"):
		return "micromamba"
	case strings.Contains(base, "mamba"):
		return "mamba"
	default:
		return "conda"
	}
}

func isExecutableFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// createArgs returns the arguments that create an environment at prefix
// from the specification file specFile.
func (t condaTool) createArgs(prefix, specFile string) []string {
	if t.name == "micromamba" {
		return []string{"create", "-y", "-p", prefix, "-f", specFile}
	}
	return []string{"env", "create", "-p", prefix, "-f", specFile}
}
