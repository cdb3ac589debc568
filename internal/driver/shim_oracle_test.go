package driver

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/amlgo/amlgo/internal/testenv"
)

// member is one public attribute of a class as testdata/run_signatures.py describes it.
type member struct {
	Kind      string  `json:"kind"`
	Signature *string `json:"signature"`
}

type classMembers map[string]member

// shimMissing lists the public members of azureml-core 1.50's Run (and of _SubmittedRun,
// what Run.get_context() returns inside a submitted run) that the shim leaves out, each with
// the reason. A training script calls none of them on its own run; each needs the Azure ML
// service or studio, or is SDK-side plumbing.
var shimMissing = map[string]string{
	// Class constants: format strings of run-history service paths and ids.
	"DELIM": "service path format", "EXPERIMENT_ID_PATH": "service path format",
	"EXPERIMENT_NAME_PATH": "service path format", "RUN_PATH": "service path format",
	"TID_FMT": "service path format", "WORKSPACE_FMT": "service path format",
	// Registers factories that rehydrate service run types (HyperDriveRun, PipelineRun...)
	// in Run.list/Run.get; the shim has no service runs to rehydrate.
	"add_type_provider": "service run types",
	// Deletes the run's files on its compute target, called from the submitting side.
	"clean": "submit-side cleanup",
	// Download the run's logs and detailed service status from run history; inside the
	// script the driver is still writing the logs (amlgo serves them through experiment.Run).
	"get_all_logs": "run-history logs", "get_details_with_logs": "run-history logs",
	"get_detailed_status": "run-history status",
	// Links to the documentation and to the run's page in Azure ML studio: an amlgo run has no
	// studio page.
	"get_docs_url": "studio link", "get_portal_url": "studio link", "portal_url": "studio link",
	// Snapshot service calls; amlgo takes the snapshot at submission (package snapshot).
	"get_snapshot_id": "snapshot service", "restore_snapshot": "snapshot service", "take_snapshot": "snapshot service",
	// The ChainedIdentity logging identity of azureml's own loggers.
	"identity": "azureml logging plumbing",
	// Lists the runs of a compute target through the service.
	"list_by_compute": "service listing",
	// OutputFileDatasetConfig outputs of a submitted run: amlgo has no dataset outputs.
	"output_datasets": "no dataset outputs",
}

// offlineDifferences lists where the shim's offline run (a Run that prints instead of
// recording) differs from azureml-core's _OfflineRun, which is a separate class whose
// signatures differ from azureml's own Run. The shim keeps Run's signatures offline too, so a
// script that runs offline runs unchanged online; the calls that differ are keyword calls
// that azureml's online Run would reject as well (tag(name=...), upload_files(name=...)), an
// optional step or timeout the offline run does not take, and description defaults.
var offlineDifferences = map[string]string{
	"DELIM":                "service path format",
	"identity":             "azureml logging plumbing",
	"complete":             "Run's signature: (self, _set_status=True)",
	"fail":                 "Run's signature: adds _set_status=True",
	"flush":                "Run's signature: adds timeout_seconds=300",
	"log":                  "Run's signature: adds step=None",
	"log_accuracy_table":   "Run's signature: description='' (offline: None)",
	"log_confusion_matrix": "Run's signature: description='' (offline: None)",
	"log_predictions":      "Run's signature: description='' (offline: None)",
	"log_residuals":        "Run's signature: description='' (offline: None)",
	"tag":                  "Run's signature: (self, key, value=None) (offline: name)",
	"upload_files":         "Run's signature: (self, names, paths, ...) (offline: name)",
}

func (m member) String() string {
	if m.Signature == nil {
		return m.Kind
	}
	return m.Kind + " " + *m.Signature
}

// diffMembers lists how got differs from want: names missing from got, names got has that
// want has not, and different kinds or signatures.
func diffMembers(want, got classMembers) (missing, extra, changed []string) {
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			missing = append(missing, name)
		case g.String() != w.String():
			changed = append(changed, name+": azureml "+w.String()+", shim "+g.String())
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			extra = append(extra, name)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	slices.Sort(changed)
	return missing, extra, changed
}

// TestShimMatchesAzureMLRun compares every public member of the run-context shim's Run with
// the real azureml-core's: its name, kind (method, classmethod, staticmethod, property) and
// inspect.signature. The reference is Run, plus what _SubmittedRun (the object
// Run.get_context() returns in a submitted run) adds. Members the shim leaves out must be in
// shimMissing; any other difference fails. The shim's offline run is compared with
// azureml's _OfflineRun the same way, against offlineDifferences.
func TestShimMatchesAzureMLRun(t *testing.T) {
	python := testenv.AzureMLPython(t)
	var res struct {
		Real map[string]classMembers `json:"real"`
		Shim map[string]classMembers `json:"shim"`
	}
	testenv.RunOracle(t, python, filepath.Join("testdata", "run_signatures.py"), map[string]string{"shim": "shim"}, &res)
	for _, c := range []string{"Run", "_SubmittedRun", "_OfflineRun"} {
		if len(res.Real[c]) == 0 {
			t.Fatalf("azureml-core has no %s", c)
		}
	}
	// The online reference: Run's members, and those only _SubmittedRun has.
	want := classMembers{}
	for name, m := range res.Real["_SubmittedRun"] {
		if _, inRun := res.Real["Run"][name]; !inRun {
			want[name] = m
		}
	}
	for name, m := range res.Real["Run"] {
		want[name] = m
	}
	check := func(what string, want, got classMembers, allowed map[string]string) {
		t.Helper()
		missing, extra, changed := diffMembers(want, got)
		used := map[string]bool{}
		for _, name := range missing {
			if allowed[name] == "" {
				t.Errorf("%s: the shim has no %s (azureml: %s)", what, name, want[name])
			}
			used[name] = true
		}
		for _, name := range extra {
			t.Errorf("%s: the shim has %s (%s), azureml-core has not", what, name, got[name])
		}
		for _, c := range changed {
			name, _, _ := strings.Cut(c, ":")
			if allowed[name] == "" {
				t.Errorf("%s: %s", what, c)
			}
			used[name] = true
		}
		for name := range allowed {
			if !used[name] {
				t.Errorf("%s: %s is allowed to differ but does not: remove it from the list", what, name)
			}
		}
		t.Logf("%s: %d azureml members, %d the same in the shim, %d explained differences",
			what, len(want), len(want)-len(missing)-len(changed), len(missing)+len(changed))
	}
	check("Run", want, res.Shim["Run"], shimMissing)
	check("_OfflineRun", res.Real["_OfflineRun"], onlyNames(res.Shim["_OfflineRun"], res.Real["_OfflineRun"]), offlineDifferences)
}

// onlyNames keeps the members of got that ref has: the shim's offline run is a Run and so has
// every Run method, of which azureml's _OfflineRun has only some.
func onlyNames(got, ref classMembers) classMembers {
	out := classMembers{}
	for name, m := range got {
		if _, ok := ref[name]; ok {
			out[name] = m
		}
	}
	return out
}
