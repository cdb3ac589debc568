package remotehost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/sshx"
)

// driverVersion identifies the wrapper script's content.
var driverVersion = func() string {
	s := sha256.Sum256(driver.WrapperScript)
	return "driver-" + hex.EncodeToString(s[:])[:12]
}()

// InstallSupport makes sure the VM has this version of amlgo's driver wrapper and run-context
// shim under root (sent once per version; a version directory appears only complete).
func (h *Host) InstallSupport(ctx context.Context, root string) error {
	key := driverVersion + "/" + driver.ShimVersion
	if h.Known(key) {
		return nil
	}
	drv := path.Join(root, "driver", driverVersion)
	shim := path.Join(root, "shim", driver.ShimVersion)
	check := "test -f " + shQuote(path.Join(drv, "driver.sh")) + " && test -f " + shQuote(path.Join(shim, driver.ShimVersionFile))
	if _, err := h.Output(ctx, check, nil); err == nil {
		h.SetKnown(key)
		return nil
	}
	var tarball bytes.Buffer
	if err := writeSupportTar(&tarball); err != nil {
		return fmt.Errorf("compute: packing amlgo's driver: %w", err)
	}
	script := `set -e
R=$1 dv=$2 sv=$3
mkdir -p "$R/driver" "$R/shim"
T=$(mktemp -d "$R/.install.XXXXXX")
trap 'rm -rf "$T"' EXIT
tar -x -f - -C "$T"
[ -e "$R/driver/$dv" ] || mv -f "$T/driver/$dv" "$R/driver/$dv" 2>/dev/null || [ -e "$R/driver/$dv" ]
[ -e "$R/shim/$sv" ] || mv -f "$T/shim/$sv" "$R/shim/$sv" 2>/dev/null || [ -e "$R/shim/$sv" ]
`
	cmd := "sh -c " + shQuote(script) + " amlgo-install " + sshx.QuoteArgs(root, driverVersion, driver.ShimVersion)
	if _, err := h.Output(ctx, cmd, tarball.Bytes()); err != nil {
		return fmt.Errorf("compute: installing amlgo's driver and run-context shim on the VM: %w", err)
	}
	h.SetKnown(key)
	return nil
}

// writeSupportTar packs driver/<version>/driver.sh and shim/<version>/azureml/... (with the
// version marker).
func writeSupportTar(w *bytes.Buffer) error {
	tw := newTarWriter(w)
	if err := tw.file("driver/"+driverVersion+"/driver.sh", 0o755, driver.WrapperScript); err != nil {
		return err
	}
	err := fs.WalkDir(driver.ShimFS, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := fs.ReadFile(driver.ShimFS, p)
		if err != nil {
			return err
		}
		return tw.file("shim/"+driver.ShimVersion+"/"+p, 0o644, data)
	})
	if err != nil {
		return err
	}
	if err := tw.file("shim/"+driver.ShimVersion+"/"+driver.ShimVersionFile, 0o644, []byte(driver.ShimVersion+"\n")); err != nil {
		return err
	}
	return tw.Close()
}

// launchScript creates the run directory's support files and starts the driver detached, once:
// a repeated launch (after a dropped connection) only reports the identity of the first. The
// identity (pid, start time, boot id; see driver.Identity) is taken while the driver is still an
// unreaped child of this shell, so it is valid before the wrapper has run a single line.
// Arguments: run dir, driver.sh source; stdin: the control log so far; $AMLGO_LAUNCH: the
// assignments and wrapper command line.
var launchScript = driver.ProcFuncs + `R=$1 D=$2 S=$1/azureml-setup
mkdir -p "$S" "$R/azureml-logs" "$R/wd" || exit 1
if ( set -C; : >"$S/launched" ) 2>/dev/null; then
  cat >>"$R/azureml-logs/60_control_log.txt"
  cp -f "$D" "$S/driver.sh" || exit 1
  cd "$R" || exit 1
  ( eval "$AMLGO_LAUNCH" ) </dev/null >>"$R/azureml-logs/60_control_log.txt" 2>&1 &
  _amlgo_identity $! >"$S/launched.tmp" && mv -f "$S/launched.tmp" "$S/launched"
else
  cat >/dev/null
fi
i=0
while [ ! -s "$S/launched" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
cat "$S/launched"
`

// Launch starts the wrapper on the VM in its own session, once per run directory (a repeated
// launch reports the first one's identity), and returns its identity. env are shell
// assignments (NAME=quoted-value) exported before the wrapper; wrapper is its command line
// (driver.Paths.Command); control is the control log so far, appended on the VM.
func (h *Host) Launch(ctx context.Context, root string, paths driver.Paths, env, wrapper []string, control []byte) (driver.Identity, error) {
	line := ""
	if len(env) > 0 {
		line = "export " + strings.Join(env, " ") + "; "
	}
	line += "exec setsid " + sshx.QuoteArgs(wrapper...)
	cmd := PathSetup + "AMLGO_LAUNCH=" + shQuote(line) + "; export AMLGO_LAUNCH\n" +
		"sh -c " + shQuote(launchScript) + " amlgo-launch " +
		sshx.QuoteArgs(paths.RunDir, path.Join(root, "driver", driverVersion, "driver.sh"))
	out, err := h.Output(ctx, "sh -c "+shQuote(cmd), control)
	if err != nil {
		return driver.Identity{}, fmt.Errorf("compute: starting the driver on VM target %q: %w", h.name, err)
	}
	id, err := driver.ParseLaunchRecord(out)
	if err != nil {
		return driver.Identity{}, fmt.Errorf("compute: starting the driver on VM target %q: unexpected launch record %q", h.name, out)
	}
	return id, nil
}

// FlushControlLog appends data to the run's control log on the VM (best effort, for a start
// that failed before launching).
func (h *Host) FlushControlLog(paths driver.Paths, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := "mkdir -p " + shQuote(paths.AzureLogs) + " && cat >>" + shQuote(paths.ControlLog)
	_ = h.Run(ctx, cmd, bytes.NewReader(data), nil)
}
