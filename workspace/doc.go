// Package workspace provides the Workspace handle of amlgo: the place where
// experiments, runs, their metrics and files, registered models and attached
// compute targets are recorded.
//
// Open opens (or creates) an embedded local workspace, stored in a directory
// of the local file system, which needs no cloud account:
//
//	ws, err := workspace.Open(".amlgo", nil)
//	if err != nil { … }
//	defer ws.Close()
//
// The directory holds the run-history database, a content-addressed store of
// snapshot and artifact files, and the run directories of local runs
// (RunsDir). It is private to the user (directories 0700, files 0600) and may
// be used by several goroutines and processes at once.
package workspace
