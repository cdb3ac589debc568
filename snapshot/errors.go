package snapshot

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors, for errors.Is.
var (
	// ErrSnapshotTooLarge: the files kept after the ignore rules add up to more
	// than the size limit (300 MiB by default). The error is a *LimitError.
	ErrSnapshotTooLarge = errors.New("snapshot: total snapshot size exceeds the limit")
	// ErrTooManyFiles: more files were added or changed since the previous
	// snapshot (or, with none, the snapshot has more files) than the file
	// limit (2000 by default). The error is a *LimitError.
	ErrTooManyFiles = errors.New("snapshot: the project exceeds the file limit")
	// ErrInvalidPattern: the ignore file has a line azureml-core cannot compile.
	ErrInvalidPattern = errors.New("snapshot: invalid ignore pattern")
	// ErrUnsafePath: an archive or manifest entry would be written outside the
	// destination (absolute name, "..", a symlink escaping the destination,
	// or a write through a symlink).
	ErrUnsafePath = errors.New("snapshot: unsafe path")
	// ErrContentMismatch: file content does not match the manifest (size or
	// sha256), e.g. the file changed after the snapshot was taken.
	ErrContentMismatch = errors.New("snapshot: content does not match the manifest")
	// ErrInvalidManifest: a manifest that cannot be loaded (bad JSON, bad
	// path, or an ID that is not the Merkle root of its entries).
	ErrInvalidManifest = errors.New("snapshot: invalid manifest")
)

// Default limits, azureml-core's SNAPSHOT_MAX_SIZE_BYTES and SNAPSHOT_MAX_FILES.
const (
	DefaultMaxSize  int64 = 300 * 1024 * 1024
	DefaultMaxFiles       = 2000
)

// NoFileLimitEnv disables the default file limit when set to a non-empty
// value, as in azureml-core (it has no effect when Options.MaxFiles is set).
const NoFileLimitEnv = "AML_SNAPSHOT_NO_FILE_LIMIT"

const banner = "===================================================================="

// LimitError is returned by Take when a limit is exceeded. Its message is
// "snapshot: " followed by azureml-core's multi-line message, verbatim.
type LimitError struct {
	Dir   string // the directory as passed to Take
	Limit int64  // the limit in force (bytes or files)
	Value int64  // the measured total size, or number of added/changed files
	err   error  // ErrSnapshotTooLarge or ErrTooManyFiles
}

// Error implements error.
func (e *LimitError) Error() string {
	var b strings.Builder
	b.WriteString("snapshot: ")
	b.WriteString(banner + "\n\n")
	b.WriteString("While attempting to take snapshot of " + e.Dir + "\n")
	if e.err == ErrSnapshotTooLarge {
		b.WriteString("Your total snapshot size exceeds the limit of " +
			pyFloat(float64(e.Limit)/(1024*1024)) + " MB.\n")
		b.WriteString("Please see http://aka.ms/aml-largefiles on how to work with large files.\n")
	} else {
		b.WriteString("Your project exceeds the file limit of " + strconv.FormatInt(e.Limit, 10) + ".\n")
	}
	b.WriteString("\n" + banner + "\n\n")
	return b.String()
}

// Unwrap returns ErrSnapshotTooLarge or ErrTooManyFiles.
func (e *LimitError) Unwrap() error { return e.err }

// pyFloat formats f like Python's str(float) for the values that matter here
// (300.0, 1.5, 0.0009765625, 1e-05 ...).
func pyFloat(f float64) string {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e-05 style: Python pads the exponent to 2 digits
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[:1]
		digits := strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + sign + digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
