package sshtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/sshx"
	"github.com/amlgo/amlgo/internal/sshx/sshtest"
)

func TestStart(t *testing.T) {
	srv := sshtest.Start(t)
	assert.Equal(t, "amlgotest\n", srv.Exec(t, "whoami"))
	assert.Equal(t, srv.Home+"\n", srv.Exec(t, "echo $HOME"))
	fi, err := os.Stat(srv.Home)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := sshx.Dial(ctx, srv.Config())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Run(ctx, "true", nil, nil, nil))
	require.NotEmpty(t, srv.ConnPIDs(t))
	srv.DropConnections(t)
	assert.Empty(t, srv.ConnPIDs(t))
	// The listener survives.
	assert.Equal(t, "again\n", srv.Exec(t, "echo again"))
}

func TestTwoServersAtOnce(t *testing.T) {
	a, b := sshtest.Start(t), sshtest.Start(t)
	assert.NotEqual(t, a.Port, b.Port)
	assert.NotEqual(t, a.HostPublicKey, b.HostPublicKey)
	assert.Equal(t, "a\n", a.Exec(t, "echo a"))
	assert.Equal(t, "b\n", b.Exec(t, "echo b"))
}
