package remotehost

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/amlgo/amlgo/conda"
	"github.com/amlgo/amlgo/internal/envbuild"
	"github.com/amlgo/amlgo/internal/sshx"
)

// Prepared is a Python environment made runnable on a VM.
type Prepared struct {
	Python     string // absolute path on the VM
	PathPrefix string // directory to put first on PATH ("" = none)
	Env        map[string]string
}

// The VM-side mirror of internal/envbuild: the same decisions and control-log lines, run by a
// shell script over SSH. Lines starting with "@@" are results for amlgo; the others go to the
// control log.

// userManagedScript resolves the interpreter $1 on the VM, falling back from python to python3.
const userManagedScript = PathSetup + `
name=$1
if p=$(command -v -- "$name"); then :
elif [ "$name" = python ] && p=$(command -v python3); then
  echo "interpreterPath \"$name\" was not found on PATH; using python3 ($p) instead"
else
  echo "@@notfound"; exit 0
fi
case $p in
  /*) ;;
  *) p=$(cd "$(dirname -- "$p")" && pwd)/$(basename -- "$p") ;;
esac
echo "Using user-managed python environment: $p"
echo "@@python=$p"
`

// condaEnvScript makes the conda environment $2 (the prefix) from the specification on stdin,
// under an flock on <prefix>.lock, unless a completed build (its ready marker) exists.
const condaEnvScript = PathSetup + `
name=$1 prefix=$2 base=$3
ready=$prefix/.amlgo-ready
if [ -n "$base" ]; then
  echo "environment.python.baseCondaEnvironment \"$base\" is not used on this target; $name is built from its own specification"
fi
spec_in=$(cat)
if [ -f "$ready" ] && [ -x "$prefix/bin/python" ]; then
  echo "Reusing conda environment $name at $prefix"; echo "@@python=$prefix/bin/python"; exit 0
fi
tool= tool_path=
for t in micromamba mamba conda; do
  if p=$(command -v "$t"); then tool=$t tool_path=$p; break; fi
done
if [ -z "$tool" ]; then
  for v in "${MAMBA_EXE:-}" "${CONDA_EXE:-}"; do
    if [ -n "$v" ] && [ -x "$v" ]; then
      tool_path=$v
      case $(basename "$v") in *micromamba*) tool=micromamba ;; *mamba*) tool=mamba ;; *) tool=conda ;; esac
      break
    fi
  done
fi
[ -n "$tool" ] || { echo "@@noconda"; exit 0; }
envs=$(dirname -- "$prefix")
mkdir -p -- "$envs"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$prefix.lock"
  if ! flock -n 9; then
    echo "Waiting for another run to finish building conda environment $name"
    flock 9
  fi
fi
if [ -f "$ready" ] && [ -x "$prefix/bin/python" ]; then
  echo "Reusing conda environment $name at $prefix"; echo "@@python=$prefix/bin/python"; exit 0
fi
if [ -e "$prefix" ] || [ -L "$prefix" ]; then
  echo "Removing incomplete conda environment $prefix left by an interrupted build"
  rm -rf -- "$prefix"
fi
spec=$(mktemp "$envs/.$name.spec-XXXXXX")
mv -f -- "$spec" "$spec.yml"; spec=$spec.yml
trap 'rm -f -- "$spec"' EXIT
printf '%s\n' "$spec_in" >"$spec"
if [ "$tool" = micromamba ]; then set -- create -y -p "$prefix" -f "$spec"; else set -- env create -p "$prefix" -f "$spec"; fi
echo "Building conda environment $name with $tool"
echo "$tool_path $*"
start=$(date +%s)
"$tool_path" "$@" </dev/null 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
if [ $rc -ne 0 ]; then
  echo "Building conda environment $name failed: exit status $rc"
  rm -rf -- "$prefix"
  echo "@@failed=$tool:$rc"; exit 0
fi
if [ ! -e "$prefix/bin/python" ]; then
  rm -rf -- "$prefix"
  echo "@@nopython=$tool"; exit 0
fi
cp -- "$spec" "$ready.tmp" && mv -f -- "$ready.tmp" "$ready"
echo "Built conda environment $name in ${elapsed}s"
echo "@@python=$prefix/bin/python"
`

// PrepareEnv makes a Python environment runnable on the VM (a user-managed interpreter, or a
// conda environment cached by hash under root/envs), writing progress to control. root is
// amlgo's directory on the VM. Docker is the caller's to refuse: spec.DockerEnabled is ignored
// here.
func (h *Host) PrepareEnv(ctx context.Context, root string, spec envbuild.Spec, control io.Writer) (*Prepared, error) {
	if spec.UserManaged {
		name := spec.InterpreterPath
		if name == "" {
			name = "python"
		}
		res, tail, err := h.runEnvScript(ctx, userManagedScript, []string{name}, nil, control)
		if err != nil {
			return nil, err
		}
		if res["notfound"] != "" || res["python"] == "" {
			return nil, fmt.Errorf("compute: VM target %q: %w: %q (environment.python.interpreterPath with userManagedDependencies: true) is not on the VM's PATH%s",
				h.name, envbuild.ErrInterpreterNotFound, name, tail)
		}
		return &Prepared{Python: res["python"]}, nil
	}
	deps := spec.Conda
	if deps == nil {
		deps = conda.New()
	}
	envName := "azureml_" + deps.Hash()
	prefix := path.Join(root, "envs", envName)
	res, tail, err := h.runEnvScript(ctx, condaEnvScript, []string{envName, prefix, spec.BaseCondaEnvironment}, deps.Serialize(), control)
	if err != nil {
		return nil, err
	}
	switch {
	case res["noconda"] != "":
		return nil, fmt.Errorf("compute: VM target %q: %w", h.name, envbuild.ErrNoConda)
	case res["failed"] != "":
		tool, code, _ := strings.Cut(res["failed"], ":")
		return nil, fmt.Errorf("compute: VM target %q: building conda environment %s with %s failed: exit status %s%s%w", h.name, envName, tool, code, tail, silent{envbuild.ErrBuildFailed})
	case res["nopython"] != "":
		return nil, fmt.Errorf("compute: VM target %q: %s created conda environment %s without %s/bin/python (does the specification list python?)%s%w",
			h.name, res["nopython"], envName, prefix, tail, silent{envbuild.ErrBuildFailed})
	case res["python"] == "":
		return nil, fmt.Errorf("compute: VM target %q: preparing conda environment %s gave no interpreter%s", h.name, envName, tail)
	}
	return &Prepared{
		Python:     res["python"],
		PathPrefix: path.Join(prefix, "bin"),
		Env:        map[string]string{"CONDA_PREFIX": prefix, "CONDA_DEFAULT_ENV": envName},
	}, nil
}

// runEnvScript runs an environment script, streaming its output lines to control and
// collecting its "@@key=value" results and the last output lines (for error messages).
func (h *Host) runEnvScript(ctx context.Context, script string, args []string, stdin []byte, control io.Writer) (map[string]string, string, error) {
	cmd := "sh -c " + shQuote(script) + " amlgo-env " + sshx.QuoteArgs(args...)
	var res map[string]string
	var tail []string
	err := h.Retry(ctx, func(c *sshx.Client) error {
		res, tail = map[string]string{}, nil
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(pr)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				if rest, ok := strings.CutPrefix(line, "@@"); ok {
					k, v, _ := strings.Cut(rest, "=")
					if v == "" {
						v = "1"
					}
					res[k] = v
					continue
				}
				fmt.Fprintln(control, line)
				if strings.TrimSpace(line) != "" {
					if len(tail) == 20 {
						tail = tail[1:]
					}
					tail = append(tail, line)
				}
			}
			_, _ = io.Copy(io.Discard, pr)
		}()
		var in io.Reader
		if stdin != nil {
			in = bytes.NewReader(stdin)
		}
		err := c.Run(ctx, cmd, in, pw, nil)
		pw.Close()
		<-done
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("compute: preparing the environment on VM target %q: %w", h.name, err)
	}
	t := ""
	if len(tail) > 0 {
		t = "; last output:\n  " + strings.Join(tail, "\n  ")
	}
	return res, t, nil
}

// silent wraps a sentinel into an error without adding to its message: fmt.Errorf("...%w",
// silent{sentinel}) matches sentinel and says only "...".
type silent struct{ err error }

func (s silent) Error() string { return "" }
func (s silent) Unwrap() error { return s.err }
