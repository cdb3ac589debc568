package driver

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallShim(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shim")
	// a stale file from an older shim is removed
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "azureml", "old"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "azureml", "old", "x.py"), nil, 0o644))
	require.NoError(t, InstallShim(dir))

	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	}))
	sort.Strings(files)
	for _, want := range []string{
		ShimVersionFile,
		"azureml/__init__.py",
		"azureml/exceptions.py",
		"azureml/core/__init__.py",
		"azureml/core/run.py",
		"azureml/core/workspace.py",
		"azureml/core/experiment.py",
		"azureml/core/dataset.py",
		"azureml/core/datastore.py",
	} {
		assert.Contains(t, files, want)
	}
	assert.NotContains(t, files, "azureml/old/x.py")
	for _, f := range files {
		assert.NotContains(t, f, "__pycache__")
	}
	v, err := os.ReadFile(filepath.Join(dir, ShimVersionFile))
	require.NoError(t, err)
	assert.Equal(t, ShimVersion+"\n", string(v))
	assert.Regexp(t, `^amlgo-shim-[0-9a-f]{12}$`, ShimVersion)

	// idempotent
	require.NoError(t, InstallShim(dir))
}

// runPython runs code with the run environment of p and returns stdout; it fails on a
// non-zero exit.
func runPython(t *testing.T, py string, p Paths, env []string, code string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "script.py")
	require.NoError(t, os.WriteFile(script, []byte(code), 0o644))
	cmd := exec.Command(py, script)
	cmd.Dir = p.WorkDir
	cmd.Env = env
	out, err := cmd.Output()
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	require.NoError(t, err, "python failed:\n%s\n%s", out, stderr)
	return string(out)
}

func readRecords(t *testing.T, p Paths) []Record {
	t.Helper()
	data, err := os.ReadFile(p.Metrics)
	require.NoError(t, err)
	recs, n, err := ParseRecords(data, 0)
	require.NoError(t, err)
	require.Equal(t, len(data), n, "metrics.jsonl ends with a newline")
	return recs
}

const shimScript = `
import io, json, sys
from azureml.core import Run
run = Run.get_context()
assert type(run).__name__ == "Run", type(run)
out = {"id": run.id, "parent": run.parent, "experiment": run.experiment.name,
       "workspace": run.experiment.workspace.name, "inputs": run.input_datasets}

run.log("alpha", 0.5, description="the alpha")
run.log("alpha", 0.25, step=7)
run.log("message", "Hello from run!")
run.log("flag", True)
run.log("big", 2**63 - 1)
run.log_list("losses", [3, 2.5, 1])
run.log_row("rows", x=1, y="a")
run.log_row("rows", description="d", x=2, y="b")
run.log_table("table", {"c1": [1, 2], "c2": ["u", "v"]})
run.log(u"\u00fcnicode \u2713", u"\u00e9t\u00e9")
run.log_confusion_matrix("cm", {"schema_type": "confusion_matrix", "data": {"matrix": [[1, 0], [0, 1]]}})

class Plot(object):
    def savefig(self, f, format=None):
        assert format == "png"
        f.write(b"\x89PNG fake")
run.log_image("accuracy plot", plot=Plot())
with open("model.pkl", "wb") as f:
    f.write(b"weights")
run.log_image("from file", path="model.pkl")
run.upload_file("outputs/model.pkl", "model.pkl")
run.upload_file("streamed.txt", io.BytesIO(b"stream data"))
import os
os.makedirs("folder/sub", exist_ok=True)
open("folder/a.txt", "w").write("A")
open("folder/sub/b.txt", "w").write("B")
run.upload_folder("fold", "folder")

run.tag("run_type", value="train")
run.tag("novalue")
run.set_tags({"n": 3})
run.add_properties({"p1": "v1"})
run.add_properties({"p1": "v1"})  # same value again: fine, not re-recorded

errors = []
for bad in (float("nan"), float("inf"), 2**63, None, [1, 2], {"a": 1}):
    try:
        run.log("bad", bad)
    except Exception as e:
        errors.append(type(e).__name__)
for call in (lambda: run.log("", 1), lambda: run.add_properties({"p1": "other"}),
             lambda: run.upload_file("outputs/model.pkl", "model.pkl"),
             lambda: run.upload_file("../escape", "model.pkl"),
             lambda: run.log_image("x"), lambda: run.create_children(count=101),
             lambda: run.log("s", 1, step="x")):
    try:
        call()
        errors.append("no error")
    except Exception as e:
        errors.append(type(e).__name__)
out["errors"] = errors

kids = run.create_children(count=3)
for i, k in enumerate(kids):
    k.log("child metric", i)
    k.complete()
named = run.child_run(name="named child")
named.fail(ValueError("boom"), error_code="E42")
tagged = run.create_children(tag_key="lr", tag_values=["0.1", "0.2"])
grandchild = kids[0].child_run()
grandchild.log("deep", 1)

model = run.register_model("mymodel", "outputs/model.pkl", tags={"k": "v"}, description="desc")
out["model"] = [model.name, model.run_id]

out["metrics"] = run.get_metrics()
out["alpha_only"] = run.get_metrics(name="alpha")
out["recursive"] = run.get_metrics(recursive=True)
out["tags"] = run.get_tags()
out["tags_prop"] = run.tags
out["properties"] = run.get_properties()
out["files"] = run.get_file_names()
out["children"] = [c.id for c in run.get_children()]
out["children_recursive"] = [c.id for c in run.get_children(recursive=True)]
out["lr_children"] = [c.id for c in run.get_children(tags={"lr": "0.2"})]
out["kid_ids"] = [k.id for k in kids]
out["named"] = named.id
out["tagged"] = [t.id for t in tagged]
out["grandchild"] = grandchild.id
out["child_parent"] = kids[0].parent.id
out["statuses"] = [c.get_status() for c in kids] + [named.get_status()]
out["env"] = run.get_environment().python.interpreter_path == sys.executable
run.complete()
out["status"] = run.get_status()
print(json.dumps(out))
`

func TestShimRecordsAndReadBack(t *testing.T) {
	for _, py := range pythons(t) {
		t.Run(filepath.Base(filepath.Dir(py))+"/"+filepath.Base(py), func(t *testing.T) {
			p := newRunDir(t)
			runID := "driver-test_1700000000_abcdef12"
			out := runPython(t, py, p, runEnv(p, runID, "AZUREML_DATAREFERENCE_raw_data=/mnt/raw"), shimScript)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(out), &got), out)

			assert.Equal(t, runID, got["id"])
			assert.Nil(t, got["parent"])
			assert.Equal(t, "driver-test", got["experiment"])
			assert.Equal(t, "ws", got["workspace"])
			assert.Equal(t, map[string]any{"raw_data": "/mnt/raw"}, got["inputs"])
			assert.Equal(t, []any{
				"UserErrorException", "UserErrorException", "UserErrorException", "UserErrorException",
				"UserErrorException", "UserErrorException", // bad values
				"UserErrorException", "UserErrorException", "UserErrorException", "UserErrorException",
				"UserErrorException", "UserErrorException", "UserErrorException",
			}, got["errors"])

			metrics := got["metrics"].(map[string]any)
			assert.Equal(t, []any{0.5, 0.25}, metrics["alpha"])
			assert.Equal(t, "Hello from run!", metrics["message"])
			assert.Equal(t, true, metrics["flag"])
			assert.Equal(t, float64(1<<63-1), metrics["big"])
			assert.Equal(t, []any{3.0, 2.5, 1.0}, metrics["losses"])
			assert.Equal(t, map[string]any{"x": []any{1.0, 2.0}, "y": []any{"a", "b"}}, metrics["rows"])
			assert.Equal(t, map[string]any{"c1": []any{1.0, 2.0}, "c2": []any{"u", "v"}}, metrics["table"])
			assert.Equal(t, filepath.Join(p.RunDir, "uploads", "accuracy plot.png"), metrics["accuracy plot"])
			assert.Equal(t, filepath.Join(p.RunDir, "uploads", "from file.pkl"), metrics["from file"])
			assert.Contains(t, metrics, "cm")
			assert.Equal(t, "été", metrics["ünicode ✓"])
			assert.Equal(t, map[string]any{"alpha": []any{0.5, 0.25}}, got["alpha_only"])

			kids := toStrings(got["kid_ids"])
			rec := got["recursive"].(map[string]any)
			assert.Equal(t, map[string]any{"child metric": 0.0}, rec[kids[0]])
			assert.Equal(t, map[string]any{"deep": 1.0}, rec[got["grandchild"].(string)])

			wantTags := map[string]any{"run_type": "train", "novalue": nil, "n": "3"}
			assert.Equal(t, wantTags, got["tags"])
			assert.Equal(t, wantTags, got["tags_prop"])
			assert.Equal(t, map[string]any{"p1": "v1"}, got["properties"])
			assert.Equal(t, []any{"outputs/model.pkl", "streamed.txt", "fold/a.txt", "fold/sub/b.txt"}, got["files"])
			allChildren := append(append(append([]string{}, kids...), got["named"].(string)), toStrings(got["tagged"])...)
			assert.Equal(t, allChildren, toStrings(got["children"]))
			assert.Len(t, toStrings(got["children_recursive"]), len(allChildren)+1)
			assert.Equal(t, toStrings(got["tagged"])[1:], toStrings(got["lr_children"]))
			assert.Equal(t, runID, got["child_parent"])
			assert.Equal(t, []any{"Completed", "Completed", "Completed", "Failed"}, got["statuses"])
			assert.Equal(t, "Completed", got["status"])
			assert.Equal(t, []any{"mymodel", runID}, got["model"])
			assert.Equal(t, true, got["env"])

			// uploads
			for name, want := range map[string]string{
				"outputs/model.pkl": "weights", "streamed.txt": "stream data",
				"fold/a.txt": "A", "fold/sub/b.txt": "B", "accuracy plot.png": "\x89PNG fake",
				"from file.pkl": "weights",
			} {
				b, err := os.ReadFile(filepath.Join(p.UploadsDir, filepath.FromSlash(name)))
				require.NoError(t, err, name)
				assert.Equal(t, want, string(b), name)
			}
			entries, err := os.ReadDir(p.UploadsDir)
			require.NoError(t, err)
			for _, e := range entries {
				assert.NotContains(t, e.Name(), ".tmp")
			}

			checkRecords(t, readRecords(t, p), runID, kids, got)
		})
	}
}

func checkRecords(t *testing.T, recs []Record, runID string, kids []string, got map[string]any) {
	t.Helper()
	byKind := map[Kind][]Record{}
	var seq int64
	for _, r := range recs {
		byKind[r.Kind] = append(byKind[r.Kind], r)
		assert.False(t, r.TS.IsZero())
		assert.NotZero(t, r.PID)
		seq++
		assert.Equal(t, seq, r.Seq, "seq increments per writer")
		assert.Equal(t, "Z", r.TS.Format("Z07:00"))
	}
	require.NotEmpty(t, recs)
	assert.Equal(t, int64(0), recs[0].Offset)

	// metrics of the top-level run, in order
	var mine []Record
	for _, r := range byKind[KindMetric] {
		if r.RunID == runID {
			mine = append(mine, r)
		}
	}
	require.GreaterOrEqual(t, len(mine), 12)
	a := mine[0]
	assert.Equal(t, TypeScalar, a.Type)
	assert.Equal(t, "alpha", a.Name)
	assert.JSONEq(t, `0.5`, string(a.Value))
	assert.Equal(t, "the alpha", a.Description)
	assert.Nil(t, a.Step)
	require.NotNil(t, mine[1].Step)
	assert.Equal(t, int64(7), *mine[1].Step)
	types := map[string]string{}
	values := map[string]string{}
	for _, r := range mine {
		types[r.Name] = r.Type
		values[r.Name] = string(r.Value)
	}
	assert.Equal(t, TypeList, types["losses"])
	assert.JSONEq(t, `[3,2.5,1]`, values["losses"])
	assert.Equal(t, TypeRow, types["rows"])
	assert.JSONEq(t, `{"x":2,"y":"b"}`, values["rows"])
	assert.Equal(t, TypeTable, types["table"])
	assert.JSONEq(t, `{"c1":[1,2],"c2":["u","v"]}`, values["table"])
	assert.Equal(t, TypeImage, types["accuracy plot"])
	assert.JSONEq(t, `{"path":"uploads/accuracy plot.png"}`, values["accuracy plot"])
	assert.Equal(t, TypeConfusionMatrix, types["cm"])
	assert.JSONEq(t, `"été"`, values["ünicode ✓"])
	assert.JSONEq(t, `9223372036854775807`, values["big"])

	var tags []string
	for _, r := range byKind[KindTag] {
		if r.RunID == runID {
			tags = append(tags, r.Key+"="+string(r.Value))
		}
	}
	assert.Equal(t, []string{`run_type="train"`, `novalue=null`, `n="3"`}, tags)
	require.Len(t, byKind[KindProperty], 1)
	assert.Equal(t, "p1", byKind[KindProperty][0].Key)
	assert.JSONEq(t, `"v1"`, string(byKind[KindProperty][0].Value))

	var files []string
	for _, r := range byKind[KindFile] {
		files = append(files, r.Name+" -> "+r.Path)
	}
	assert.Equal(t, []string{
		"outputs/model.pkl -> uploads/outputs/model.pkl", "streamed.txt -> uploads/streamed.txt",
		"fold/a.txt -> uploads/fold/a.txt", "fold/sub/b.txt -> uploads/fold/sub/b.txt",
	}, files)

	// children: the parent's child record precedes the child's own records
	firstSeen := map[string]int{}
	childRecord := map[string]int{}
	for i, r := range recs {
		if _, ok := firstSeen[r.RunID]; !ok {
			firstSeen[r.RunID] = i
		}
		if r.Kind == KindChild {
			childRecord[r.ChildRunID] = i
		}
	}
	for _, k := range kids {
		ci, ok := childRecord[k]
		require.True(t, ok, "child record for %s", k)
		assert.Less(t, ci, firstSeen[k])
	}
	var named Record
	for _, r := range byKind[KindChild] {
		if r.ChildRunID == got["named"] {
			named = r
		}
	}
	assert.Equal(t, "named child", named.Name)
	assert.Equal(t, runID, named.RunID)

	var batch []string
	for _, r := range byKind[KindTag] {
		if r.Key == "azureml.batch_child_number" {
			batch = append(batch, r.RunID+":"+string(r.Value))
		}
	}
	assert.Equal(t, []string{kids[0] + `:"0"`, kids[1] + `:"1"`, kids[2] + `:"2"`}, batch)

	var statuses []string
	for _, r := range byKind[KindStatus] {
		statuses = append(statuses, r.Status+"/"+r.Error+"/"+r.ErrorCode)
	}
	assert.Equal(t, []string{"Completed//", "Completed//", "Completed//", "Failed/ValueError: boom/E42", "Completed//"}, statuses)
	assert.Equal(t, runID, byKind[KindStatus][4].RunID)

	require.Len(t, byKind[KindRegisterModel], 1)
	m := byKind[KindRegisterModel][0]
	assert.Equal(t, "mymodel", m.ModelName)
	assert.Equal(t, "outputs/model.pkl", m.ModelPath)
	var extra struct {
		Tags        map[string]string `json:"tags"`
		Description string            `json:"description"`
	}
	require.NoError(t, json.Unmarshal(m.Raw, &extra))
	assert.Equal(t, map[string]string{"k": "v"}, extra.Tags)
	assert.Equal(t, "desc", extra.Description)
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestShimConcurrentWritersAppendWholeLines(t *testing.T) {
	py := python(t)
	p := newRunDir(t)
	code := `
import multiprocessing, threading, sys
from azureml.core import Run

def work(tag):
    run = Run.get_context()
    def thread(n):
        for i in range(200):
            run.log("m", i, description=tag + "-" + str(n) + "-" + "x" * 300)
    ts = [threading.Thread(target=thread, args=(n,)) for n in range(3)]
    for t in ts: t.start()
    for t in ts: t.join()

if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    Run.get_context().log("before fork", 1)
    procs = [ctx.Process(target=work, args=("p%d" % i,)) for i in range(4)]
    for pr in procs: pr.start()
    work("main")
    for pr in procs: pr.join()
    sys.exit(max(pr.exitcode for pr in procs))
`
	runPython(t, py, p, runEnv(p, "concurrent_1_00000000"), code)
	recs := readRecords(t, p)
	require.Len(t, recs, 1+5*3*200)
	seqs := map[int]map[int64]bool{}
	for _, r := range recs {
		if seqs[r.PID] == nil {
			seqs[r.PID] = map[int64]bool{}
		}
		assert.False(t, seqs[r.PID][r.Seq], "duplicate seq %d for pid %d", r.Seq, r.PID)
		seqs[r.PID][r.Seq] = true
	}
	assert.Len(t, seqs, 5)
	for pid, s := range seqs {
		for i := int64(1); i <= int64(len(s)); i++ {
			assert.True(t, s[i], "pid %d misses seq %d", pid, i)
		}
	}
}

func TestShimOfflinePrintsLikeAzureML(t *testing.T) {
	py := python(t)
	p := newRunDir(t)
	env := append(cleanEnv(), "PYTHONPATH="+p.ShimDir)
	code := `
from azureml.core import Run
from azureml.core.run import _OfflineRun
run = Run.get_context()
assert isinstance(run, _OfflineRun) and run.id.startswith("OfflineRun_"), run.id
assert Run.get_submitted_run() is run
run.log("alpha", 0.5)
run.log_list("l", [1, 2])
run.log_row("r", x=1)
run.log_table("t", {"a": [1]})
run.log_image("img", path="plot.png")
run.upload_file("outputs/model.pkl", "model.pkl")
run.tag("k", "v")
run.set_tags({"k2": None})
kids = run.create_children(count=2)
kids[0].log("c", 3)
run.complete()
print("metrics", run.get_metrics())
print("tags", run.get_tags())
print("children", len(run.get_children()), all(k.id.startswith("OfflineRun_") for k in kids))
try:
    Run.get_context(allow_offline=False)
except Exception as e:
    print(type(e).__name__)
`
	out := runPython(t, py, p, env, code)
	want := `Attempted to log scalar metric alpha:
0.5
Attempted to log list metric l:
[1, 2]
Attempted to log row metric r:
{'x': 1}
Attempted to log table metric t:
{'a': [1]}
Attempted to log image metric img:
plot.png
Attempted to track file outputs/model.pkl at model.pkl
Attempted to add tag k with value v
Attempted to add tag k2 with value None
Attempted to log scalar metric c:
3
metrics {'alpha': 0.5, 'l': [1, 2], 'r': {'x': [1]}, 't': {'a': [1]}, 'img': 'plot.png'}
tags {'k': 'v', 'k2': None}
children 2 True
RunEnvironmentException
`
	assert.Equal(t, want, out)
	_, err := os.Stat(p.Metrics)
	assert.True(t, os.IsNotExist(err), "offline runs write nothing")
}

func TestShimParentFromEnvironmentAndStubs(t *testing.T) {
	py := python(t)
	p := newRunDir(t)
	env := runEnv(p, "step_1_11111111", "AZUREML_PARENT_RUN_ID=pipeline_1_22222222",
		`AMLGO_RUN_TAGS={"submitted": "yes"}`, "AMLGO_RUN_NUMBER=7", "AMLGO_RUN_DISPLAY_NAME=nice")
	code := `
from azureml.core import Run, Workspace, Dataset, Datastore, Experiment
from azureml.exceptions import AmlgoShimUnsupportedError, UserErrorException
import azureml.core
run = Run.get_context()
run.parent.log("shared", 1)
run.parent.tag("dataset_id", value="abc")
print(run.parent.id, run.number, run.display_name, run.get_tags(), azureml.core.VERSION)
for call in (lambda: Dataset.get_by_name(run.experiment.workspace, "d"),
             lambda: Dataset.Tabular.from_delimited_files(path="x"),
             lambda: Datastore.get(run.experiment.workspace, "x"),
             lambda: Workspace.from_config(),
             lambda: Experiment(run.experiment.workspace, "e").submit(None)):
    try:
        call()
    except AmlgoShimUnsupportedError as e:
        assert isinstance(e, UserErrorException) and isinstance(e, NotImplementedError)
        print("unsupported:", str(e).split(" is not")[0])
`
	out := runPython(t, py, p, env, code)
	assert.Equal(t, `pipeline_1_22222222 7 nice {'submitted': 'yes'} 1.50.0
unsupported: Dataset.get_by_name
unsupported: Dataset.Tabular.from_delimited_files
unsupported: Datastore.get
unsupported: Workspace.from_config
unsupported: Experiment.submit
`, out)
	recs := readRecords(t, p)
	require.Len(t, recs, 2)
	assert.Equal(t, "pipeline_1_22222222", recs[0].RunID)
	assert.Equal(t, "shared", recs[0].Name)
	assert.Equal(t, KindTag, recs[1].Kind)
	assert.Equal(t, "pipeline_1_22222222", recs[1].RunID)
}

func TestShimNeedsBothVariablesForOnline(t *testing.T) {
	py := python(t)
	p := newRunDir(t)
	for _, env := range [][]string{
		append(cleanEnv(), "PYTHONPATH="+p.ShimDir, "AZUREML_RUN_ID=x_1_00000000"),
		append(cleanEnv(), "PYTHONPATH="+p.ShimDir, "AMLGO_RUN_DIR="+p.RunDir),
	} {
		out := runPython(t, py, p, env, "from azureml.core import Run\nprint(Run.get_context().id[:11])\n")
		assert.Equal(t, "OfflineRun_\n", out)
	}
	_, err := os.Stat(p.Metrics)
	assert.True(t, os.IsNotExist(err))
	assert.True(t, strings.HasPrefix(ShimVersion, "amlgo-shim-"))
}
