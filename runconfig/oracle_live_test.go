package runconfig

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/amlgo/amlgo/internal/testenv"
)

// rcCase is one runconfig the oracle and amlgo both load from Dir (name Name) and save
// into their own empty project directory.
type rcCase struct {
	Dir  string `json:"dir"`
	Name string `json:"name"`
	Out  string `json:"out"`

	label  string // corpus file name or "gen-<i>"
	text   string // the runconfig's text
	goOut  string
	corpus bool
}

// rcAnswer is what one side did with a case.
type rcAnswer struct {
	LoadError *oracleErr        `json:"load_error"`
	Repr      string            `json:"repr"`
	SaveError *oracleErr        `json:"save_error"`
	Saved     map[string]string `json:"saved"`
}

type oracleErr struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// amlgoAnswer does with c what oracle_runconfig.py does with azureml-core.
func amlgoAnswer(t *testing.T, c rcCase) rcAnswer {
	var a rcAnswer
	rc, err := LoadWithOptions(c.Dir, c.Name, nil)
	if err != nil {
		a.LoadError = &oracleErr{Type: fmt.Sprintf("%T", err), Message: err.Error()}
		return a
	}
	js, err := rc.JSON()
	if err != nil {
		a.LoadError = &oracleErr{Type: "JSON", Message: err.Error()}
		return a
	}
	a.Repr = string(js)
	if err := rc.Save(c.goOut, "saved.runconfig", nil); err != nil {
		a.SaveError = &oracleErr{Type: fmt.Sprintf("%T", err), Message: err.Error()}
	}
	a.Saved = map[string]string{}
	require.NoError(t, filepath.WalkDir(c.goOut, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(c.goOut, p)
		a.Saved[filepath.ToSlash(rel)] = string(readFile(t, p))
		return nil
	}))
	return a
}

// oracleCases is how many documents TestRunconfigOracle generates; AMLGO_ORACLE_CASES overrides.
func oracleCases(t *testing.T) int {
	n := 400
	if s := os.Getenv("AMLGO_ORACLE_CASES"); s != "" {
		_, err := fmt.Sscan(s, &n)
		require.NoError(t, err, "AMLGO_ORACLE_CASES")
	}
	return n
}

// TestRunconfigOracle is the differential test of Load and Save against the real
// azureml-core 1.50: the corpus runconfigs (when ../shared is present) and generated
// documents are loaded by RunConfiguration.load and by Load; both must accept or refuse the
// same files, give the same repr(run_config) (compared as JSON values) and save the same
// files (each compared as YAML data). Differences that are deliberate are counted by kind
// (see deliberateRCDifference); any other fails the test.
func TestRunconfigOracle(t *testing.T) {
	python := testenv.AzureMLPython(t)
	var cases []rcCase
	newCase := func(label, dir, name, text string, corpus bool) {
		out := t.TempDir()
		goOut := t.TempDir()
		for _, o := range []string{out, goOut} {
			require.NoError(t, os.MkdirAll(filepath.Join(o, ".azureml"), 0o755))
		}
		cases = append(cases, rcCase{Dir: dir, Name: name, Out: out, label: label, text: text, goOut: goOut, corpus: corpus})
	}
	if sharedDir := filepath.Join(testenv.RepoRoot(t), "..", "shared"); dirExists(sharedDir) {
		corpus := filepath.Join(sharedDir, "corpus")
		files, err := filepath.Glob(filepath.Join(corpus, "runconfig", "*.runconfig"))
		require.NoError(t, err)
		for _, f := range files {
			proj, name := corpusProject(t, corpus, filepath.Base(f))
			newCase(filepath.Base(f), proj, name, string(readFile(t, f)), true)
		}
	} else {
		t.Logf("../shared is absent: the corpus part is skipped")
	}
	r := rand.New(rand.NewPCG(20260615, 8))
	for i := range oracleCases(t) {
		proj := t.TempDir()
		name, text := genRunconfigCase(t, r, proj)
		newCase(fmt.Sprintf("gen-%d", i), proj, name, text, false)
	}

	var res struct {
		Cases []rcAnswer `json:"cases"`
	}
	testenv.RunOracle(t, python, filepath.Join("testdata", "oracle_runconfig.py"), map[string]any{"cases": cases}, &res)
	require.Len(t, res.Cases, len(cases))

	same, rejected := 0, 0
	deliberate := map[string]int{}
	for i, c := range cases {
		want, got := res.Cases[i], amlgoAnswer(t, c)
		diff := compareRC(want, got)
		if diff == "" {
			if want.LoadError != nil {
				rejected++
			} else {
				same++
			}
			continue
		}
		if kind := deliberateRCDifference(c, want, got); kind != "" {
			deliberate[kind]++
			continue
		}
		t.Errorf("%s (%s/%s): %s\n  azureml: %s\n  amlgo: %s\n--- document:\n%s", c.label, c.Dir, c.Name, diff, brief(want), brief(got), c.text)
	}
	var kinds []string
	total := 0
	for k, n := range deliberate {
		kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
		total += n
	}
	sort.Strings(kinds)
	t.Logf("%d documents: %d accepted by both with the same configuration, %d rejected by both, %d deliberate differences (%s)",
		len(cases), same, rejected, total, strings.Join(kinds, "; "))
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// compareRC returns "" when the two answers agree: both refuse the file, or both load it to
// the same repr JSON value, both save or refuse to save it, and write the same files with
// the same YAML data. Error messages are not compared: amlgo's name the problem in its own
// words.
func compareRC(want, got rcAnswer) string {
	switch {
	case (want.LoadError == nil) != (got.LoadError == nil):
		return "accept/reject differs"
	case want.LoadError != nil:
		return ""
	}
	var w, g any
	if err := json.Unmarshal([]byte(want.Repr), &w); err != nil {
		return "azureml repr is not JSON: " + err.Error()
	}
	if err := json.Unmarshal([]byte(got.Repr), &g); err != nil {
		return "amlgo JSON is not JSON: " + err.Error()
	}
	if d := firstDiff("repr", w, g); d != "" {
		return "loaded configuration differs: " + d
	}
	if (want.SaveError == nil) != (got.SaveError == nil) {
		return "save accept/reject differs"
	}
	wk, gk := slices.Sorted(mapsKeys(want.Saved)), slices.Sorted(mapsKeys(got.Saved))
	if !slices.Equal(wk, gk) {
		return fmt.Sprintf("saved files differ: %v vs %v", wk, gk)
	}
	for _, k := range wk {
		var w, g any
		if err := yaml.Unmarshal([]byte(want.Saved[k]), &w); err != nil {
			return k + ": azureml's is not YAML: " + err.Error()
		}
		if err := yaml.Unmarshal([]byte(got.Saved[k]), &g); err != nil {
			return k + ": amlgo's is not YAML: " + err.Error()
		}
		if d := firstDiff(k, w, g); d != "" {
			return "saved " + d
		}
	}
	return ""
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// firstDiff names the first place where two decoded documents differ ("" when equal).
func firstDiff(at string, w, g any) string {
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %#v vs %#v", at, w, g)
		}
		keys := slices.Sorted(func(y func(string) bool) {
			for k := range wv {
				y(k)
			}
			for k := range gv {
				if _, ok := wv[k]; !ok {
					y(k)
				}
			}
		})
		for _, k := range keys {
			wx, okw := wv[k]
			gx, okg := gv[k]
			if okw != okg {
				return fmt.Sprintf("%s.%s: present %v vs %v (%#v vs %#v)", at, k, okw, okg, wx, gx)
			}
			if d := firstDiff(at+"."+k, wx, gx); d != "" {
				return d
			}
		}
		return ""
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: %#v vs %#v", at, w, g)
		}
		for i := range wv {
			if d := firstDiff(fmt.Sprintf("%s[%d]", at, i), wv[i], gv[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !assert.ObjectsAreEqual(w, g) {
		return fmt.Sprintf("%s: %#v vs %#v", at, w, g)
	}
	return ""
}

func brief(a rcAnswer) string {
	switch {
	case a.LoadError != nil:
		return "load error " + a.LoadError.Type + ": " + strings.ReplaceAll(a.LoadError.Message, "\n", " ")
	case a.SaveError != nil:
		return "loaded; save error " + a.SaveError.Type + ": " + strings.ReplaceAll(a.SaveError.Message, "\n", " ")
	}
	return "loaded and saved"
}

// deliberateRCDifference names the kind of an allowed difference between azureml's answer
// and amlgo's, or "" when there is none.
func deliberateRCDifference(c rcCase, want, got rcAnswer) string {
	return ""
}
