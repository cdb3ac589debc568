package errtext

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPublic(t *testing.T) {
	sentinel := errors.New("envbuild: no conda tool found")
	err := fmt.Errorf("compute: preparing the environment: %w", fmt.Errorf("store: put blob: %w (%w)", sentinel, fs.ErrNotExist))
	got := Public(err)
	assert.EqualError(t, got, "compute: preparing the environment: put blob: no conda tool found (file does not exist)")
	assert.ErrorIs(t, got, sentinel)
	assert.ErrorIs(t, got, fs.ErrNotExist)

	assert.EqualError(t, Public(errors.New("store: sshx: x; driver: y")), "x; y")
	// Only whole segments: words that merely end like a package name stay.
	plain := errors.New("compute: blob store: restored; the sshx-like arm: no")
	assert.Same(t, plain, Public(plain))
	assert.NoError(t, Public(nil))
}
