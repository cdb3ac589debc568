package rundir

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/sftp"

	"github.com/amlgo/amlgo/internal/driver"
	"github.com/amlgo/amlgo/internal/sshx"
)

// SFTPFS is FS on a VM, over the target's SFTP connection. Errors keep their cause, so
// that a dropped connection is recognized (and the observation retried) by the caller.
type SFTPFS struct{ Conn SFTPConn }

// SFTPConn gives the SFTP client of a connection that may be re-dialed; errors of a dropped
// connection are recognized with sshx.IsConnLost.
type SFTPConn interface {
	SFTP(ctx context.Context) (*sftp.Client, error)
}

var _ FS = (*SFTPFS)(nil)

// ReadFrom implements FS.
func (r *SFTPFS) ReadFrom(ctx context.Context, name string, off int64, max int, size int64) ([]byte, error) {
	if size >= 0 && size <= off {
		return nil, nil
	}
	f, fsize, err := r.open(ctx, name)
	if f == nil || err != nil {
		return nil, err
	}
	defer closeAsync(f)
	if size < 0 || fsize < size {
		size = fsize
	}
	// Exactly the bytes known to be there: pkg/sftp keeps requesting until a buffer is full or
	// the file ends, which chases a growing log.
	return readAtMost(f, size, off, max)
}

// open opens name and learns its size, the two requests in flight together (one round trip).
// A missing file gives a nil file and no error.
func (r *SFTPFS) open(ctx context.Context, name string) (*sftp.File, int64, error) {
	s, err := r.Conn.SFTP(ctx)
	if err != nil {
		return nil, 0, err
	}
	var f *sftp.File
	var fi fs.FileInfo
	var openErr, statErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fi, statErr = s.Stat(name)
	}()
	f, openErr = s.Open(name)
	wg.Wait()
	switch {
	case errors.Is(openErr, fs.ErrNotExist):
		return nil, 0, nil
	case openErr != nil:
		return nil, 0, openErr
	case statErr != nil && !errors.Is(statErr, fs.ErrNotExist):
		closeAsync(f)
		return nil, 0, statErr
	case statErr != nil: // replaced between the two requests
		closeAsync(f)
		return nil, 0, nil
	}
	return f, fi.Size(), nil
}

// closeAsync closes a remote file without waiting for the server's answer (one round trip
// less per read).
func closeAsync(f io.Closer) { go f.Close() }

// ReadSmall implements FS.
func (r *SFTPFS) ReadSmall(ctx context.Context, name string) ([]byte, bool, error) {
	f, size, err := r.open(ctx, name)
	if f == nil || err != nil {
		return nil, false, err
	}
	defer closeAsync(f)
	if size > 0 {
		b, err := readAtMost(f, size, 0, 1<<20)
		return b, err == nil, err
	}
	// Files such as /proc/<pid>/cmdline report size 0: read until the end.
	var b bytes.Buffer
	buf := make([]byte, 32<<10)
	for b.Len() < 1<<20 {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	return b.Bytes(), true, nil
}

// Exists implements FS.
func (r *SFTPFS) Exists(ctx context.Context, name string) (bool, error) {
	s, err := r.Conn.SFTP(ctx)
	if err != nil {
		return false, err
	}
	_, err = s.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// RegularFiles implements FS.
func (r *SFTPFS) RegularFiles(ctx context.Context, dir string) ([]FileEntry, error) {
	s, err := r.Conn.SFTP(ctx)
	if err != nil {
		return nil, err
	}
	infos, err := s.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []FileEntry
	for _, fi := range infos {
		if fi.Mode().IsRegular() {
			files = append(files, FileEntry{Name: fi.Name(), Size: fi.Size()})
		}
	}
	return files, nil
}

// Join implements FS.
func (r *SFTPFS) Join(elem ...string) string { return path.Join(elem...) }

// ProcessAlive reports whether the driver process id still runs on the VM, from its
// /proc/<pid>/stat (start time) and the VM's boot id. Records of earlier versions carry only a
// pid: for those the process's command line must name the run directory, as before.
func (r *SFTPFS) ProcessAlive(ctx context.Context, id driver.Identity, runDir string) (bool, error) {
	if id.PID <= 0 || id.GoneAtLaunch {
		return false, nil
	}
	read := func(name string) ([]byte, bool, error) {
		b, ok, err := r.ReadSmall(ctx, name)
		if err != nil && !sshx.IsConnLost(err) {
			return nil, false, nil // e.g. permission denied: the process is gone or not ours
		}
		return b, ok, err
	}
	if id.StartTicks == 0 && id.BootID == "" {
		b, ok, err := read("/proc/" + strconv.Itoa(id.PID) + "/cmdline")
		if err != nil || !ok {
			return false, err
		}
		return slices.ContainsFunc(bytes.Split(b, []byte{0}), func(a []byte) bool { return string(a) == runDir }), nil
	}
	stat, ok, err := read(driver.ProcStatPath(id.PID))
	if err != nil || !ok {
		return false, err
	}
	st, err := driver.ParseProcStat(stat)
	if err != nil {
		return false, nil
	}
	boot := ""
	if id.BootID != "" {
		b, _, err := read(driver.BootIDPath)
		if err != nil {
			return false, err
		}
		boot = strings.TrimSpace(string(b))
	}
	return id.Matches(st, boot), nil
}
