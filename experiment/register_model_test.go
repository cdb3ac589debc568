package experiment_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/experiment"
	"github.com/amlgo/amlgo/internal/store"
	"github.com/amlgo/amlgo/internal/wsaccess"
)

// TestScriptRegisterModelOnce checks that a script's run.register_model registers the model when
// the run ends, and only once even when the run is finalized again (as after an SDK crash in the
// middle of finalizing).
func TestScriptRegisterModelOnce(t *testing.T) {
	ctx := context.Background()
	ws := openWorkspace(t)
	exp, err := experiment.New(ws, "register")
	require.NoError(t, err)
	script := `
import os
from azureml.core import Run
run = Run.get_context()
os.makedirs("outputs", exist_ok=True)
open("outputs/model.txt", "w").write("weights")
run.register_model(model_name="from-script", model_path="outputs/model.txt", tags={"k": "v"})
`
	run, err := exp.Submit(ctx, runconfigFor(sourceDir(t, map[string]string{"s.py": script}), userManaged(t)), nil)
	require.NoError(t, err)
	_, err = run.WaitForCompletion(ctx, nil)
	require.NoError(t, err)

	versions := func() []int {
		var vs []int
		for m, err := range experiment.Models(ctx, ws, "from-script") {
			require.NoError(t, err)
			vs = append(vs, m.Version)
			assert.Equal(t, run.ID(), m.RunID)
			assert.Equal(t, "v", m.Tags["k"])
			assert.Equal(t, []string{"model.txt"}, m.Files)
		}
		return vs
	}
	require.Equal(t, []int{1}, versions())

	// Pretend the run was left mid-finalization (the store never moves an ended run back, so
	// the record is set as a crash would have left it), and let another handle finalize it again.
	st, err := wsaccess.Store(ws)
	require.NoError(t, err)
	db, err := sql.Open("sqlite", filepath.Join(st.Dir(), store.DatabaseFile))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, `UPDATE runs SET status = ? WHERE id = ?`, string(experiment.StatusFinalizing), run.ID())
	require.NoError(t, err)
	again, err := experiment.GetRun(ctx, ws, run.ID())
	require.NoError(t, err)
	status, err := again.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, experiment.StatusCompleted, status)
	assert.Equal(t, []int{1}, versions(), "the script's request is carried out once")
}
