package remotehost

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/snapshot"
)

// The VM-side blob store: snapshot file contents by sha256, under <root>/blobs. A blob appears
// there only by rename from a fully received temporary directory, so a present blob is always
// complete.

// missingBlobsScript prints the names read on stdin (one sha256 a line) that <blobs> lacks: one
// remote command, whatever the number of files.
const missingBlobsScript = `set -e
B=$1
mkdir -p "$B"
LC_ALL=C; export LC_ALL
T=$(mktemp "$B/.list.XXXXXX")
trap 'rm -f "$T"' EXIT
ls -1 -f "$B" | sort -u >"$T"
sort -u | comm -13 "$T" -
`

// receiveBlobsScript unpacks a tar of blobs (named by sha256) into a temporary directory next
// to <blobs> and renames them into place once all have arrived.
const receiveBlobsScript = `set -e
B=$1
mkdir -p "$B"
T=$(mktemp -d "$B/.incoming.XXXXXX")
trap 'rm -rf "$T"' EXIT
tar -x -f - -C "$T"
cd "$T"
if ! find . -maxdepth 1 -type f -exec mv -f -t "$B" {} + 2>/dev/null; then
  for f in *; do [ -f "$f" ] && mv -f "$f" "$B/$f"; done
fi
`

// blobSet is the distinct regular-file contents of a snapshot, by sha256.
func blobSet(snap *snapshot.Snapshot) (shas []string, bySHA map[string]snapshot.File) {
	bySHA = map[string]snapshot.File{}
	for _, f := range snap.Files {
		if !f.IsRegular() {
			continue
		}
		if _, ok := bySHA[f.SHA256]; !ok {
			bySHA[f.SHA256] = f
			shas = append(shas, f.SHA256)
		}
	}
	sort.Strings(shas)
	return shas, bySHA
}

// SyncStats counts what SyncBlobs did, over every call given the same stats.
type SyncStats struct {
	// Files and Bytes are the contents sent; Checked the contents asked about; Nanos the time
	// spent.
	Files, Bytes, Checked, Nanos atomic.Int64
}

// SyncBlobs makes sure the VM's blob store (blobs) holds every file content of snap, sending
// only the contents it lacks, as one tar stream; open reads a content from the caller's store.
// It returns the number of files and bytes sent and adds them to stats (which may be nil).
func (h *Host) SyncBlobs(ctx context.Context, blobs string, snap *snapshot.Snapshot, open func(snapshot.File) (io.ReadCloser, error), stats *SyncStats) (files, size int64, err error) {
	if stats == nil {
		stats = new(SyncStats)
	}
	start := time.Now()
	defer func() { stats.Nanos.Add(int64(time.Since(start))) }()
	shas, bySHA := blobSet(snap)
	if len(shas) == 0 {
		return 0, 0, nil
	}
	stats.Checked.Add(int64(len(shas)))
	list := strings.Join(shas, "\n") + "\n"
	out, err := h.Output(ctx, "sh -c "+shQuote(missingBlobsScript)+" amlgo-blobs "+shQuote(blobs), []byte(list))
	if err != nil {
		return 0, 0, fmt.Errorf("compute: asking the VM which snapshot files it lacks: %w", err)
	}
	var missing []snapshot.File
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		sha := strings.TrimSpace(sc.Text())
		if f, ok := bySHA[sha]; ok {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return 0, 0, nil
	}
	for _, f := range missing {
		size += f.Size
	}
	err = h.Retry(ctx, func(c *sshx.Client) error {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeBlobTar(ctx, pw, missing, open)) }()
		err := c.Run(ctx, "sh -c "+shQuote(receiveBlobsScript)+" amlgo-blobs "+shQuote(blobs), pr, nil, nil)
		pr.CloseWithError(io.ErrClosedPipe)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("compute: sending %d snapshot files to the VM: %w", len(missing), err)
	}
	stats.Files.Add(int64(len(missing)))
	stats.Bytes.Add(size)
	return int64(len(missing)), size, nil
}

// writeBlobTar writes files as a tar of blobs named by sha256, checking each content.
func writeBlobTar(ctx context.Context, w io.Writer, files []snapshot.File, open func(snapshot.File) (io.ReadCloser, error)) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	tw := tar.NewWriter(bw)
	buf := make([]byte, 256<<10)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.SHA256, Mode: 0o644, Size: f.Size, Format: tar.FormatPAX}); err != nil {
			return err
		}
		rc, err := open(f)
		if err != nil {
			return fmt.Errorf("compute: opening snapshot file %s: %w", f.Path, err)
		}
		h := sha256.New()
		n, err := io.CopyBuffer(io.MultiWriter(tw, h), io.LimitReader(rc, f.Size), buf)
		rc.Close()
		if err != nil {
			return fmt.Errorf("compute: reading snapshot file %s: %w", f.Path, err)
		}
		if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
			return fmt.Errorf("compute: snapshot file %s does not match its manifest (size or sha256)", f.Path)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// materializeScript rebuilds a snapshot tree under <dest> from <blobs>, reading one JSON entry
// a line on stdin ({"t": "d"|"f"|"l", "p": path, "m": mode, "s": sha256, "l": link target}).
// It runs with the VM's python (2 or 3); materializeShell is the fallback without one.
const materializeScript = `import json, os, shutil, sys
blobs, dest = sys.argv[1], sys.argv[2]
dirs = []
for line in sys.stdin:
    e = json.loads(line)
    p = os.path.join(dest, e["p"])
    t = e["t"]
    if t == "d":
        if not os.path.isdir(p):
            os.makedirs(p)
        dirs.append((p, e["m"]))
        continue
    parent = os.path.dirname(p)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    if t == "f":
        shutil.copyfile(os.path.join(blobs, e["s"]), p)
        os.chmod(p, e["m"])
    elif t == "l":
        if os.path.lexists(p):
            os.remove(p)
        os.symlink(e["l"], p)
for p, m in reversed(dirs):
    os.chmod(p, m)
`

// materializeInput is the stdin of materializeScript for snap.
func materializeInput(snap *snapshot.Snapshot) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, f := range snap.Files {
		e := map[string]any{"p": f.Path, "m": int(f.Mode.Perm())}
		switch {
		case f.IsDir():
			e["t"] = "d"
			e["m"] = int(f.Mode.Perm() | 0o700)
		case f.IsSymlink():
			e["t"] = "l"
			e["l"] = f.LinkTarget
		case f.IsRegular():
			e["t"] = "f"
			e["s"] = f.SHA256
		default:
			continue
		}
		_ = enc.Encode(e)
	}
	return b.Bytes()
}

// materializeShell is a POSIX shell script doing what materializeScript does, one cp a file.
func materializeShell(snap *snapshot.Snapshot, blobs, dest string) []byte {
	var b bytes.Buffer
	b.WriteString("set -e\n")
	var dirs []snapshot.File
	for _, f := range snap.Files {
		p := shQuote(path.Join(dest, f.Path))
		switch {
		case f.IsDir():
			fmt.Fprintf(&b, "mkdir -p -- %s\n", p)
			dirs = append(dirs, f)
		case f.IsSymlink():
			fmt.Fprintf(&b, "mkdir -p -- %s\nln -sfn -- %s %s\n", shQuote(path.Dir(path.Join(dest, f.Path))), shQuote(f.LinkTarget), p)
		case f.IsRegular():
			fmt.Fprintf(&b, "mkdir -p -- %s\ncp -- %s %s\nchmod %o %s\n", shQuote(path.Dir(path.Join(dest, f.Path))),
				shQuote(path.Join(blobs, f.SHA256)), p, f.Mode.Perm(), p)
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "chmod %o %s\n", dirs[i].Mode.Perm()|fs.FileMode(0o700), shQuote(path.Join(dest, dirs[i].Path)))
	}
	return b.Bytes()
}

// Materialize rebuilds snap's tree in dest on the VM from the blob store, with the VM's python3
// when it has one (one process for the whole tree), else with a shell script.
func (h *Host) Materialize(ctx context.Context, snap *snapshot.Snapshot, python3, blobs, dest string) error {
	var cmd string
	var stdin []byte
	if python3 != "" {
		cmd = sshx.QuoteArgs(python3, "-c", materializeScript, blobs, dest)
		stdin = materializeInput(snap)
	} else {
		cmd = "sh -s"
		stdin = materializeShell(snap, blobs, dest)
	}
	cmd = "mkdir -p " + shQuote(dest) + " && " + cmd
	if _, err := h.Output(ctx, cmd, stdin); err != nil {
		return fmt.Errorf("compute: restoring snapshot %s on the VM: %w", snap.ID, err)
	}
	return nil
}

// tarWriter writes in-memory files as a tar.
type tarWriter struct{ *tar.Writer }

func newTarWriter(w io.Writer) tarWriter { return tarWriter{tar.NewWriter(w)} }

func (t tarWriter) file(name string, mode int64, data []byte) error {
	if err := t.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := t.Write(data)
	return err
}
