package conda

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The generator of differential cases for oracle_live_test.go: conda-like documents with
// the variety real files have (comments, blank lines, indentation, CRLF, quoting, flow
// collections, typed scalars), random edits of the corpus files, create() calls, and random
// sequences of editing calls. Everything is drawn from a seeded PCG, so a seed names a case.

var (
	genCondaPkgs = []string{"numpy", "numpy=1.16.2", "scikit-learn", "scikit-learn>=0.20", "pandas==0.23.4",
		"pip", "pip=20.2.4", "python-dateutil", "cudatoolkit=10.1", "pytorch::pytorch", "conda-forge::lightgbm",
		"matplotlib", "py-xgboost<=0.80", "tensorflow-gpu=1.13.1", "scipy", "h5py", "python", "pythonnet"}
	genPipPkgs = []string{"azureml-defaults", "azureml-sdk", "azureml-sdk[notebooks,automl]", "azureml-core==1.0.2",
		"azureml-dataprep[pandas,fuse]>=1.1.14", "azureml-train-automl-client", "azureml-contrib-foo", "inference-schema[numpy-support]",
		"torch==1.0.0", "pylint", "numpy==1.16.2", "joblib", "requests>=2.0,<3", "git+https://github.com/x/y.git",
		"./wheels/my.whl", "scikit-learn==0.22.1", "Keras", "pyyaml", "azure-storage-blob"}
	genPipOpts = []string{"--index-url https://example.org/simple", "--extra-index-url https://pypi.org/simple",
		"--extra-index-url https://azuremlsdktestpypi.azureedge.net/sdk", "-e .", "--pre", "-f ./wheels",
		"--find-links https://example.org/w", "--trusted-host example.org"}
	genChannels = []string{"anaconda", "conda-forge", "defaults", "pytorch", "fastai", "nvidia", "https://conda.example.org/c"}
	genPythons  = []string{"3.6.2", "3.7", "3.8.13", "3.10.4", "3.11", "2.7.15", "3", "3.6.2b1", "abc", "3.6.*", "3.7.0 "}
	genComments = []string{"# Conda environment specification.", "# second line", "#", "# Details about the Conda environment file format:",
		"#  https://conda.io/docs/user-guide/tasks/manage-environments.html", "# The python interpreter version.", "#comment: with colon"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// genScalar renders s as a YAML scalar in one of the quoting styles.
func genScalar(r *rand.Rand, s string) string {
	switch r.IntN(10) {
	case 0:
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case 1:
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	return s
}

// genList renders a list value: a block sequence (indented or not, with blank lines and
// comments between items) or a flow sequence.
func genList(r *rand.Rand, items []string, indent string) string {
	if len(items) == 0 {
		return pick(r, []string{" []", "", " [ ]"}) + "\n"
	}
	if r.IntN(6) == 0 {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = genScalar(r, it)
		}
		return " [" + strings.Join(parts, pick(r, []string{", ", ",", " , "})) + "]\n"
	}
	var b strings.Builder
	b.WriteString(genEOL(r))
	for _, it := range items {
		if r.IntN(8) == 0 {
			b.WriteString(indent + pick(r, genComments) + "\n")
		}
		if r.IntN(10) == 0 {
			b.WriteString("\n")
		}
		b.WriteString(indent + "- " + genScalar(r, it) + genEOL(r))
	}
	return b.String()
}

func genEOL(r *rand.Rand) string {
	switch r.IntN(14) {
	case 0:
		return "  # eol " + fmt.Sprint(r.IntN(9)) + "\n"
	case 1:
		return " \n"
	}
	return "\n"
}

func genSample[T any](r *rand.Rand, pool []T, max int) []T {
	n := r.IntN(max + 1)
	out := make([]T, 0, n)
	for range n {
		out = append(out, pick(r, pool))
	}
	return out
}

// genDependencies renders the dependencies list: conda packages, python, pip dicts.
func genDependencies(r *rand.Rand, indent string) string {
	var b strings.Builder
	b.WriteString(genEOL(r))
	items := genSample(r, genCondaPkgs, 4)
	if r.IntN(5) != 0 {
		items = append([]string{"python=" + pick(r, genPythons[:6])}, items...)
	}
	pipAt := -1
	if r.IntN(4) != 0 {
		pipAt = r.IntN(len(items) + 1)
	}
	for i := 0; i <= len(items); i++ {
		if i == pipAt {
			pip := append(genSample(r, genPipOpts, 1), genSample(r, genPipPkgs, 4)...)
			if r.IntN(7) == 0 {
				b.WriteString(indent + "- {pip: [" + strings.Join(pip, ", ") + "]}\n")
			} else {
				b.WriteString(indent + "- pip:" + genList(r, pip, indent+pick(r, []string{"  ", "    "})))
			}
			if r.IntN(12) == 0 { // a second pip dict
				b.WriteString(indent + "- pip:" + genList(r, genSample(r, genPipPkgs, 2), indent+"  "))
			}
		}
		if i < len(items) {
			if r.IntN(9) == 0 {
				b.WriteString(indent + pick(r, genComments) + "\n")
			}
			b.WriteString(indent + "- " + genScalar(r, items[i]) + genEOL(r))
			if r.IntN(10) == 0 {
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// genDocument renders one conda-like document.
func genDocument(r *rand.Rand) string {
	type section struct{ key, body string }
	indent := pick(r, []string{"", "", "  "})
	var secs []section
	if r.IntN(8) != 0 {
		secs = append(secs, section{"name", " " + genScalar(r, pick(r, []string{"project_environment", "myenv", "x y", "", "null", "123", "true"})) + genEOL(r)})
	}
	if r.IntN(6) != 0 {
		secs = append(secs, section{"dependencies", genDependencies(r, indent)})
	}
	if r.IntN(3) != 0 {
		secs = append(secs, section{"channels", genList(r, genSample(r, genChannels, 3), indent)})
	}
	if r.IntN(6) == 0 {
		secs = append(secs, section{"variables", "\n  A: \"1\"\n  B: b" + genEOL(r)})
	}
	if r.IntN(12) == 0 {
		secs = append(secs, section{"prefix", " /opt/conda/envs/x\n"})
	}
	if r.IntN(25) == 0 {
		secs = append(secs, section{pick(r, []string{"version", "foo", "Name"}), " 1\n"})
	}
	r.Shuffle(len(secs), func(i, j int) { secs[i], secs[j] = secs[j], secs[i] })
	var b strings.Builder
	if r.IntN(2) == 0 {
		for range r.IntN(4) + 1 {
			b.WriteString(pick(r, genComments) + "\n")
		}
		if r.IntN(2) == 0 {
			b.WriteString("\n")
		}
	}
	for _, s := range secs {
		if r.IntN(6) == 0 {
			b.WriteString(pick(r, genComments) + "\n")
		}
		b.WriteString(s.key + ":" + s.body)
		if r.IntN(5) == 0 {
			b.WriteString("\n")
		}
	}
	text := b.String()
	switch r.IntN(10) {
	case 0:
		text = strings.ReplaceAll(text, "\n", "\r\n")
	case 1:
		text = strings.TrimRight(text, "\n")
	}
	return text
}

// genMutation edits a corpus file line by line: drops, duplicates or comments out lines,
// or changes their line endings.
func genMutation(r *rand.Rand, text string) string {
	lines := strings.SplitAfter(text, "\n")
	var out []string
	for _, l := range lines {
		switch r.IntN(16) {
		case 0:
			continue
		case 1:
			out = append(out, l, l)
		case 2:
			out = append(out, "# "+l)
		case 3:
			out = append(out, strings.TrimSuffix(l, "\n")+"  # note\n")
		default:
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// genOps draws a sequence of editing calls, with arguments from the pools and from the
// document's own packages (so removals find something).
func genOps(r *rand.Rand, doc string) [][2]string {
	own := strings.Fields(strings.NewReplacer("-", " ", ":", " ", "[", " ", "]", " ", ",", " ").Replace(doc))
	n := r.IntN(6)
	ops := make([][2]string, 0, n)
	for range n {
		var op [2]string
		switch r.IntN(10) {
		case 0:
			op = [2]string{"add_conda", pick(r, genCondaPkgs)}
		case 1:
			op = [2]string{"remove_conda", pick(r, append(genCondaPkgs, own...))}
		case 2:
			op = [2]string{"add_pip", pick(r, append(genPipPkgs, "--pre"))}
		case 3:
			op = [2]string{"remove_pip", pick(r, append(genPipPkgs, own...))}
		case 4:
			op = [2]string{"set_pip_option", pick(r, append(genPipOpts, "pre", "numpy"))}
		case 5:
			op = [2]string{"remove_pip_option", pick(r, genPipOpts)}
		case 6:
			op = [2]string{"add_channel", pick(r, genChannels)}
		case 7:
			op = [2]string{"remove_channel", pick(r, append(genChannels, own...))}
		case 8:
			op = [2]string{"set_python", pick(r, genPythons)}
		case 9:
			op = [2]string{"set_pip_index_url", pick(r, []string{"--index-url https://example.org/simple", "--index-url x"})}
		}
		ops = append(ops, op)
	}
	return ops
}

// genCreate draws the arguments of a CondaDependencies.create call, as Python keyword
// arguments (absent keys take azureml's defaults).
func genCreate(r *rand.Rand) *createArgs {
	a := &createArgs{}
	if r.IntN(5) == 0 {
		a.PipIndexURL = pick(r, []string{"https://example.org/simple", "https://pypi.python.org/simple"})
	}
	switch r.IntN(4) {
	case 0:
	case 1:
		a.PipPackages = []string{}
	default:
		a.PipPackages = genSample(r, genPipPkgs, 4)
	}
	if r.IntN(2) == 0 {
		a.CondaPackages = genSample(r, genCondaPkgs, 4)
	}
	if r.IntN(2) == 0 {
		a.PythonVersion = pick(r, genPythons[:6])
	}
	if r.IntN(3) == 0 {
		b := r.IntN(2) == 0
		a.PinSDKVersion = &b
	}
	return a
}

// genCases returns n generated cases for seed, plus three edit variants of each corpus
// file when ../shared is present (corpusDir "" otherwise).
func genCases(seed uint64, n int, corpusDir string) []oracleCase {
	r := rand.New(rand.NewPCG(seed, 0x636f6e6461))
	var corpus []string
	if corpusDir != "" {
		names, _ := filepath.Glob(filepath.Join(corpusDir, "*.yml"))
		sort.Strings(names)
		for _, name := range names {
			if data, err := os.ReadFile(name); err == nil {
				corpus = append(corpus, string(data))
			}
		}
	}
	var cases []oracleCase
	for i := range n {
		c := oracleCase{Name: fmt.Sprintf("gen-%d-%d", seed, i)}
		switch k := r.IntN(10); {
		case k < 2:
			c.Create = genCreate(r)
		case k < 4 && len(corpus) > 0:
			c.Input = genMutation(r, pick(r, corpus))
		default:
			c.Input = genDocument(r)
		}
		c.Ops = genOps(r, c.Input)
		cases = append(cases, c)
	}
	for i, text := range corpus {
		for v := range 3 {
			cases = append(cases, oracleCase{Name: fmt.Sprintf("corpus-%d-%d", i, v), Input: text, Ops: genOps(r, text)})
		}
	}
	return cases
}
