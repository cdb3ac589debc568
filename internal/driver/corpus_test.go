package driver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	// from azureml.core import Run, Dataset   /   from azureml.core.run import Run
	corpusFromImport = regexp.MustCompile(`(?m)^[ \t]*from[ \t]+(azureml(?:\.\w+)*)[ \t]+import[ \t]+\(?([^#\n)]+)`)
	// import azureml.core
	corpusImport = regexp.MustCompile(`(?m)^[ \t]*import[ \t]+(azureml(?:\.\w+)*)`)
	// run.log(...), Run.get_context(), run.parent.tag(...), child.complete(), run.experiment.workspace
	corpusCall = regexp.MustCompile(`\b(run|Run|submitted_run|child)((?:\.[A-Za-z_]\w*)+)`)
)

type corpusAPI struct {
	Imports map[string][]string `json:"imports"` // module -> imported names
	Chains  map[string][]string `json:"chains"`  // "run.parent.log" -> ["run","parent","log"]
}

// scanCorpus extracts the azureml imports and the run/Run attribute chains of every corpus
// script.
func scanCorpus(t *testing.T, dir string) corpusAPI {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.py"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	api := corpusAPI{Imports: map[string][]string{}, Chains: map[string][]string{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src := string(b)
		for _, m := range corpusFromImport.FindAllStringSubmatch(src, -1) {
			for _, name := range strings.Split(m[2], ",") {
				name = strings.Fields(strings.TrimSpace(name) + " ")[0] // drop "as x"
				if name != "" && name != "\\" && !contains(api.Imports[m[1]], name) {
					api.Imports[m[1]] = append(api.Imports[m[1]], name)
				}
			}
		}
		for _, m := range corpusImport.FindAllStringSubmatch(src, -1) {
			if _, ok := api.Imports[m[1]]; !ok {
				api.Imports[m[1]] = nil
			}
		}
		for _, line := range strings.Split(src, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range corpusCall.FindAllStringSubmatch(line, -1) {
				chain := append([]string{m[1]}, strings.Split(strings.TrimPrefix(m[2], "."), ".")...)
				api.Chains[strings.Join(chain, ".")] = chain
			}
		}
	}
	return api
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const corpusCheck = `
import importlib, inspect, json, sys
api = json.load(open(sys.argv[1]))
missing = []
for mod, names in api["imports"].items():
    try:
        m = importlib.import_module(mod)
    except Exception as e:
        missing.append("import %s: %s" % (mod, e))
        continue
    for n in names:
        if not hasattr(m, n):
            missing.append("from %s import %s" % (mod, n))

from azureml.core import Run
run = Run.get_context()
assert type(run).__name__ == "Run", "online run expected"
roots = {"Run": Run, "run": run, "submitted_run": run, "child": run.child_run()}
checked = 0
for key, chain in sorted(api["chains"].items()):
    obj = roots[chain[0]]
    for seg in chain[1:]:
        if not hasattr(obj, seg):
            missing.append("%s (no %r on %s)" % (key, seg, type(obj).__name__))
            break
        obj = getattr(obj, seg)
        checked += 1
        if obj is None:
            missing.append("%s (%s is None)" % (key, seg))
            break
        if callable(obj) and not inspect.isclass(obj):
            break  # the rest applies to the call's result
print(json.dumps({"missing": missing, "checked": checked}))
`

func TestCorpusAPIExistsInShim(t *testing.T) {
	shared := sharedDir(t)
	py := python(t)
	api := scanCorpus(t, filepath.Join(shared, "corpus", "scripts"))

	// the scan itself finds what the corpus is known to use
	assert.Subset(t, api.Imports["azureml.core"], []string{"Run", "Workspace", "Dataset", "Datastore"})
	assert.Contains(t, api.Imports["azureml.core.run"], "Run")
	var chains []string
	for k := range api.Chains {
		chains = append(chains, k)
	}
	sort.Strings(chains)
	t.Logf("corpus chains: %s", strings.Join(chains, " "))
	for _, want := range []string{"Run.get_context", "Run.get_submitted_run", "run.log", "run.log_list",
		"run.log_image", "run.upload_file", "run.create_children", "run.complete", "run.parent.log",
		"run.parent.tag", "run.experiment.workspace", "run.input_datasets", "run.tags", "run.id.startswith"} {
		assert.Contains(t, chains, want)
	}

	p := newRunDir(t)
	apiFile := filepath.Join(t.TempDir(), "api.json")
	b, err := json.Marshal(api)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(apiFile, b, 0o644))
	script := filepath.Join(t.TempDir(), "check.py")
	require.NoError(t, os.WriteFile(script, []byte(corpusCheck), 0o644))
	out := runPython(t, py, p, runEnv(p, "corpus_1_00000000", "AZUREML_PARENT_RUN_ID=parent_1_00000000"),
		"import runpy, sys\nsys.argv = ["+pyStr(script)+", "+pyStr(apiFile)+"]\nrunpy.run_path(sys.argv[0], run_name='__main__')\n")
	var res struct {
		Missing []string `json:"missing"`
		Checked int      `json:"checked"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	assert.Empty(t, res.Missing)
	assert.GreaterOrEqual(t, res.Checked, len(api.Chains))
}

func pyStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// runCorpusScript runs one corpus script through the wrapper with the shim on PYTHONPATH.
func runCorpusScript(t *testing.T, name string) (Paths, wrapperState, []Record) {
	t.Helper()
	needBash(t)
	shared := sharedDir(t)
	py := python(t)
	src, err := os.ReadFile(filepath.Join(shared, "corpus", "scripts", name))
	require.NoError(t, err)
	p := newRunDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(p.WorkDir, "script.py"), src, 0o644))
	runID := "manage-runs_1700000000_0a1b2c3d"
	cmd := startWrapper(t, p, &CommandOptions{MaxDuration: time.Minute}, runEnv(p, runID), py, "script.py")
	code := waitExit(t, cmd, time.Minute)
	s := readState(t, p)
	require.Equal(t, 0, code, "driver log:\n%s", s.Log)
	require.Equal(t, 0, s.ExitCode)
	return p, s, readRecords(t, p)
}

func TestCorpusHelloThroughWrapper(t *testing.T) {
	t.Parallel()
	_, s, recs := runCorpusScript(t, "Azure+MachineLearningNotebooks__how-to-use-azureml__track-and-monitor-experiments__manage-runs__hello.py")
	assert.Empty(t, s.Log)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, "manage-runs_1700000000_0a1b2c3d", r.RunID)
	assert.Equal(t, KindMetric, r.Kind)
	assert.Equal(t, TypeScalar, r.Type)
	assert.Equal(t, "message", r.Name)
	assert.JSONEq(t, `"Hello from run!"`, string(r.Value))
}

func TestCorpusHelloWithChildrenThroughWrapper(t *testing.T) {
	t.Parallel()
	_, _, recs := runCorpusScript(t, "Azure+MachineLearningNotebooks__how-to-use-azureml__track-and-monitor-experiments__manage-runs__hello_with_children.py")
	parent := "manage-runs_1700000000_0a1b2c3d"
	var children []string
	metrics := map[string]string{}
	completed := map[string]bool{}
	for _, r := range recs {
		switch r.Kind {
		case KindChild:
			assert.Equal(t, parent, r.RunID)
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, r.ChildRunID)
			children = append(children, r.ChildRunID)
		case KindMetric:
			assert.Equal(t, "Hello from child run ", r.Name)
			metrics[r.RunID] = string(r.Value)
		case KindStatus:
			assert.Equal(t, "Completed", r.Status)
			completed[r.RunID] = true
		}
	}
	require.Len(t, children, 5)
	for i, c := range children {
		assert.Equal(t, []byte{byte('0' + i)}, []byte(metrics[c]))
		assert.True(t, completed[c])
	}
	assert.False(t, completed[parent], "the script completes only its children")
}
