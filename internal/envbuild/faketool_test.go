package envbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeTool describes a shell script standing in for micromamba or conda.
type fakeTool struct {
	name  string // "micromamba", "mamba" or "conda": selects the expected argv dialect
	sleep string // seconds, as accepted by sleep(1)
	fail  bool   // exit 3 after partially creating the prefix
}

// fakeToolKit is a directory of fake tools plus the file counting their runs.
type fakeToolKit struct {
	dir     string
	counter string
}

var (
	realPythonOnce sync.Once
	realPythonPath string
)

// realPython is the host's actual python3 executable (not a pyenv shim), or
// "" when there is none; fake environments link bin/python to it.
func realPython() string {
	realPythonOnce.Do(func() {
		out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
		if err == nil {
			realPythonPath = strings.TrimSpace(string(out))
		}
	})
	return realPythonPath
}

// newFakeToolKit writes the given fake tools into a fresh directory.
func newFakeToolKit(t testing.TB, dir string, tools ...fakeTool) fakeToolKit {
	t.Helper()
	k := fakeToolKit{dir: dir, counter: filepath.Join(dir, "invocations")}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, ft := range tools {
		k.write(t, ft)
	}
	return k
}

func (k fakeToolKit) write(t testing.TB, ft fakeTool) {
	t.Helper()
	dialect := `[ "$1 $2" = "create -y" ] || { echo "unexpected arguments: $*" >&2; exit 2; }; shift 2`
	if ft.name != "micromamba" {
		dialect = `[ "$1 $2" = "env create" ] || { echo "unexpected arguments: $*" >&2; exit 2; }; shift 2`
	}
	target := realPython()
	if target == "" {
		target = "/bin/sh"
	}
	failure := ""
	if ft.fail {
		failure = `echo "Could not solve for environment specs" >&2
echo "nosuchpkg ==99 does not exist" >&2
exit 3`
	}
	sleep := ft.sleep
	if sleep == "" {
		sleep = "0.2"
	}
	script := fmt.Sprintf(`#!/bin/sh
# fake %[1]s for envbuild tests
echo "$0 $*" >> %[2]q
%[3]s
prefix=""; file=""
while [ $# -gt 0 ]; do
  case "$1" in
    -p) prefix="$2"; shift 2 ;;
    -f) file="$2"; shift 2 ;;
    *) echo "unexpected argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$prefix" ] && [ -f "$file" ] || { echo "missing -p or -f" >&2; exit 2; }
[ -e "$prefix" ] && { echo "prefix already exists: $prefix" >&2; exit 4; }
echo "Transaction: solving $file"
mkdir -p "$prefix/bin" "$prefix/conda-meta"
sleep %[4]s
%[5]s
ln -s %[6]q "$prefix/bin/python"
echo "Transaction finished"
`, ft.name, k.counter, dialect, sleep, failure, target)
	require.NoError(t, os.WriteFile(filepath.Join(k.dir, ft.name), []byte(script), 0o755))
}

// lookPath finds only the kit's tools.
func (k fakeToolKit) lookPath(name string) (string, error) {
	p := filepath.Join(k.dir, name)
	if isExecutableFile(p) {
		return p, nil
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// invocations counts the fake tools' runs so far.
func (k fakeToolKit) invocations(t testing.TB) int {
	t.Helper()
	data, err := os.ReadFile(k.counter)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(data), "\n")
}
