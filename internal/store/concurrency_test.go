package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	helperDirEnv    = "AMLGO_STORE_HELPER_DIR"
	concurrentRuns  = 12 // runs per writer
	concurrentGoros = 8
)

// writeRuns is one writer of the concurrency test: it creates runs named
// <name>-<i> and drives each through statuses, metrics, tags, properties,
// an update, an artifact and a model registration.
func writeRuns(ctx context.Context, s *Store, name string) error {
	shared, _, err := s.PutBlob(ctx, strings.NewReader("shared content"))
	if err != nil {
		return err
	}
	for i := range concurrentRuns {
		id := fmt.Sprintf("%s-%02d", name, i)
		if err := s.CreateRun(ctx, Run{ID: id, Experiment: "conc", Target: "local"}); err != nil {
			return err
		}
		if err := s.SetStatus(ctx, id, "Running", time.Time{}); err != nil {
			return err
		}
		var ms []Metric
		for k := range 3 {
			ms = append(ms, Metric{RunID: id, Offset: int64(k * 100), Name: fmt.Sprint("m", k), Type: "scalar",
				Value: json.RawMessage(fmt.Sprint(k)), Time: time.Now()})
		}
		if err := s.AddMetrics(ctx, ms); err != nil {
			return err
		}
		if err := s.SetTags(ctx, id, map[string]string{"writer": name}); err != nil {
			return err
		}
		if err := s.AddProperties(ctx, id, map[string]string{"i": fmt.Sprint(i)}); err != nil {
			return err
		}
		own, size, err := s.PutBlob(ctx, strings.NewReader("content of "+id))
		if err != nil {
			return err
		}
		if err := s.AddArtifacts(ctx, id, []Artifact{{Name: "outputs/own", SHA256: own, Size: size},
			{Name: "outputs/shared", SHA256: shared, Size: 14}}); err != nil {
			return err
		}
		if err := s.UpdateRun(ctx, id, func(r *Run) error {
			c := 0
			r.ExitCode = &c
			r.EndedAt = time.Now()
			return nil
		}); err != nil {
			return err
		}
		if err := s.SetStatus(ctx, id, "Completed", time.Time{}); err != nil {
			return err
		}
		if _, err := s.RegisterModel(ctx, Model{Name: "shared", RunID: id}); err != nil {
			return err
		}
	}
	return nil
}

// TestHelperProcess is the second OS process of
// TestConcurrentWritersAcrossProcesses; it does nothing unless started by it.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("helper process for TestConcurrentWritersAcrossProcesses")
	}
	s, err := Open(dir, nil)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600))
	require.NoError(t, waitForFile(filepath.Join(dir, "go"), time.Minute))
	require.NoError(t, writeRuns(context.Background(), s, "proc"))
}

func waitForFile(name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(name); err == nil {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("timed out waiting for %s", name)
}

func TestConcurrentWritersAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, nil)
	require.NoError(t, err)
	defer s.Close()

	var out strings.Builder
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	procDone := make(chan error, 1)
	go func() { procDone <- cmd.Wait() }()
	require.NoError(t, waitForFile(filepath.Join(dir, "ready"), time.Minute), out.String)

	// Release the other process and the goroutines together.
	start := make(chan struct{})
	errs := make(chan error, concurrentGoros)
	for g := range concurrentGoros {
		go func() {
			<-start
			errs <- writeRuns(ctx, s, fmt.Sprint("g", g))
		}()
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))
	close(start)
	var all []error
	for range concurrentGoros {
		all = append(all, <-errs)
	}
	require.NoError(t, errors.Join(all...))
	require.NoError(t, <-procDone, "helper process: %s", &out)
	require.Contains(t, out.String(), "--- PASS: TestHelperProcess")

	writers := concurrentGoros + 1
	total := writers * concurrentRuns
	var ids []string
	var procFirst, procLast, gorosFirst, gorosLast time.Time
	span := func(first, last *time.Time, at time.Time) {
		if first.IsZero() || at.Before(*first) {
			*first = at
		}
		if at.After(*last) {
			*last = at
		}
	}
	for r, err := range s.Runs(ctx, RunFilter{Experiment: "conc", Statuses: []string{"Completed"}}) {
		require.NoError(t, err)
		require.NotNil(t, r.ExitCode)
		ids = append(ids, r.ID)
		if strings.HasPrefix(r.ID, "proc-") {
			span(&procFirst, &procLast, r.CreatedAt)
		} else {
			span(&gorosFirst, &gorosLast, r.CreatedAt)
		}
	}
	assert.Len(t, ids, total, "no run lost")
	assert.True(t, procFirst.Before(gorosLast) && gorosFirst.Before(procLast),
		"the two processes wrote at the same time (process %s..%s, goroutines %s..%s)", procFirst, procLast, gorosFirst, gorosLast)
	for _, id := range ids {
		hist, err := s.StatusHistory(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, []string{"NotStarted", "Running", "Completed"}, statuses(hist), id)
		ms, err := s.Metrics(ctx, id)
		require.NoError(t, err)
		assert.Len(t, ms, 3, id)
		props, err := s.Properties(ctx, id)
		require.NoError(t, err)
		assert.Len(t, props, 1, id)
		as, err := s.Artifacts(ctx, id)
		require.NoError(t, err)
		assert.Len(t, as, 2, id)
	}
	assert.Len(t, runIDs(t, s, RunFilter{Tags: map[string]string{"writer": "proc"}}), concurrentRuns)

	var versions []int
	for m, err := range s.Models(ctx, "shared") {
		require.NoError(t, err)
		versions = append(versions, m.Version)
	}
	slices.Sort(versions)
	require.Len(t, versions, total)
	for i, v := range versions {
		require.Equal(t, i+1, v, "model versions are distinct and consecutive")
	}

	// One blob per run plus one shared by all: content stored once.
	assert.Len(t, blobFiles(t, s), total+1)
	require.NoError(t, s.IntegrityCheck(ctx))
}
