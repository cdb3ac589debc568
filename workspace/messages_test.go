package workspace_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/workspace"
)

// TestOpenErrorsInWorkspaceWords: a workspace whose database is damaged is reported by
// workspace, naming the directory, with no internal package's name in the message.
func TestOpenErrorsInWorkspaceWords(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "amlgo.db"), []byte("this is not a database, this is not a database, this is not a database, this is not a database"), 0o644))
	_, err := workspace.Open(dir, nil)
	require.Error(t, err)
	assert.Regexp(t, `^workspace: open `+regexp.QuoteMeta(dir)+`: `, err.Error())
	assert.NotContains(t, err.Error(), "store: ")
}
