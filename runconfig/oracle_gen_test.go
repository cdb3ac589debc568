package runconfig

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// genDoc draws the text of the differential test's generated runconfigs: random subsets of
// 1.50's keys with valid and invalid values, some keys spelled snake_case or TitleCase,
// unknown keys, inline or file-referenced conda specifications. The conda files it references
// are returned in files (path relative to the project directory → text).
type genDoc struct {
	r     *rand.Rand
	spell float64 // probability of a non-camelCase spelling of a key
	files map[string]string
}

func (g *genDoc) p(f float64) bool { return g.r.Float64() < f }

func (g *genDoc) key(camel string) string {
	if !g.p(g.spell) {
		return camel
	}
	if g.p(0.5) {
		return string(unicode.ToUpper(rune(camel[0]))) + camel[1:]
	}
	var b strings.Builder
	for _, c := range camel {
		if unicode.IsUpper(c) {
			b.WriteByte('_')
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// section fills m with a random subset of the given key generators, plus now and then an
// unknown key.
func (g *genDoc) section(keep float64, gens map[string]func() any) map[string]any {
	m := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(gens)) { // sorted: the seed fixes the documents
		if g.p(keep) {
			m[g.key(k)] = gens[k]()
		}
	}
	if g.p(0.05) {
		m[pick(g.r, []string{"unknownKey", "extra_thing", "Mystery"})] = g.scalar()
	}
	return m
}

func (g *genDoc) scalar() any {
	return pick(g.r, []any{nil, "x", "", 3, -1, 2.5, true, false, "true", "False", "no", []any{"a"}, map[string]any{"k": 1}})
}

// choice returns one of valid (most of the time) or one of the invalid values.
func (g *genDoc) choice(valid []any, invalid ...any) func() any {
	return func() any {
		if len(invalid) > 0 && g.p(0.04) {
			return pick(g.r, invalid)
		}
		return pick(g.r, valid)
	}
}

func (g *genDoc) boolean() func() any {
	return g.choice([]any{true, false}, "true", "false", "no", 1, nil, "yes")
}

func (g *genDoc) integer(vals ...any) func() any {
	return g.choice(vals, "2", "x", 1.5, nil, true, []any{})
}

func (g *genDoc) str(vals ...any) func() any {
	return g.choice(vals, 7, nil, true, []any{"a"})
}

func (g *genDoc) strList() func() any {
	return g.choice([]any{[]any{}, []any{"a", "b"}, []any{"logs"}}, "logs", nil, []any{1}, map[string]any{})
}

func (g *genDoc) envVars() func() any {
	return g.choice([]any{map[string]any{}, map[string]any{"A": "1", "b_c": "x y"}, map[string]any{"EXAMPLE_ENV_VAR": "EXAMPLE_VALUE"}},
		nil, map[string]any{"N": 3}, []any{"A=1"}, "A=1")
}

func (g *genDoc) condaSpec() map[string]any {
	deps := []any{}
	if !g.p(0.1) {
		deps = append(deps, pick(g.r, []string{"python=3.8.13", "python=3.10", "python"}))
	}
	if g.p(0.5) {
		deps = append(deps, pick(g.r, []string{"numpy", "scikit-learn=1.0.2", "pip"}))
	}
	if g.p(0.7) {
		deps = append(deps, map[string]any{"pip": []any{pick(g.r, []string{"azureml-defaults", "pandas==1.5.3", "torch"})}})
	}
	m := map[string]any{"dependencies": deps}
	if g.p(0.8) {
		m["name"] = pick(g.r, []string{"project_environment", "myenv"})
	}
	if g.p(0.6) {
		m["channels"] = pick(g.r, []any{[]any{"conda-forge"}, []any{"anaconda", "conda-forge"}, []any{}})
	}
	return m
}

func (g *genDoc) python() any {
	m := g.section(0.5, map[string]func() any{
		"userManagedDependencies": g.boolean(),
		"interpreterPath":         g.str("python", "/usr/bin/python3"),
		"baseCondaEnvironment":    g.str(nil, "base"),
	})
	switch g.r.IntN(6) {
	case 0, 1: // a conda file next to the runconfig
		ref := pick(g.r, []string{".azureml/conda_dependencies.yml", ".azureml/env.yml", "conda.yml"})
		m[g.key("condaDependenciesFile")] = ref
		if !g.p(0.08) { // sometimes it is missing
			spec, _ := yaml.Marshal(g.condaSpec())
			g.files[ref] = string(spec)
		}
	case 2, 3: // inline
		m[g.key("condaDependencies")] = g.condaSpec()
		if g.p(0.3) {
			m[g.key("condaDependenciesFile")] = nil
		}
	case 4:
		m[g.key("condaDependenciesFile")] = pick(g.r, []any{nil, 5})
	}
	return m
}

func (g *genDoc) environment() any {
	return g.section(0.6, map[string]func() any{
		"name":                 g.str("myenv", nil, "default-environment"),
		"version":              g.str("1", nil, "2"),
		"environmentVariables": g.envVars(),
		"python":               g.python,
		"docker": func() any {
			return g.section(0.5, map[string]func() any{
				"enabled":        g.boolean(),
				"baseImage":      g.str("mcr.microsoft.com/azureml/base:latest", nil),
				"baseDockerfile": g.str(nil, "FROM ubuntu"),
				"sharedVolumes":  g.boolean(),
				"shmSize":        g.str("2g", "1g", nil),
				"arguments":      g.strList(),
				"baseImageRegistry": func() any {
					return g.section(0.6, map[string]func() any{
						"address":  g.str("myreg.azurecr.io", nil),
						"username": g.str("u", nil),
						"password": g.str("p4ss", nil),
					})
				},
			})
		},
		"spark": func() any {
			return g.section(0.5, map[string]func() any{
				"repositories":     g.strList(),
				"packages":         g.choice([]any{[]any{}, []any{map[string]any{"group": "g", "artifact": "a", "version": "1"}}}, "p"),
				"precachePackages": g.boolean(),
			})
		},
		"r":                       g.choice([]any{nil}, map[string]any{"rVersion": "4.0"}),
		"inferencingStackVersion": g.str(nil, "latest"),
	})
}

func (g *genDoc) dataReferences() any {
	m := map[string]any{}
	for i := range g.r.IntN(3) {
		m[fmt.Sprintf("ref%d", i)] = g.section(0.7, map[string]func() any{
			"dataStoreName":   g.str("workspaceblobstore", nil),
			"mode":            g.choice([]any{"mount", "download", "upload", "Mount"}, "copy", nil),
			"pathOnDataStore": g.str("data", nil),
			"pathOnCompute":   g.str(nil, "/tmp/x"),
			"overwrite":       g.boolean(),
		})
	}
	return m
}

// document draws one runconfig as a value.
func (g *genDoc) document() map[string]any {
	gens := map[string]func() any{
		"script":                g.str("train.py", nil, "src/score.py"),
		"arguments":             g.choice([]any{[]any{}, []any{"--epochs", 3}, []any{"--lr", 0.01, "--flag", true}, []any{"a b"}}, "--x 1", nil),
		"target":                g.str("local", "cpu-cluster", "amlcompute"),
		"framework":             g.str("Python", "PySpark", "TensorFlow", "python", "Other"),
		"communicator":          g.str("None", "OpenMpi", "ParameterServer", "IntelMpi", "Bogus"),
		"maxRunDurationSeconds": g.integer(nil, 3600),
		"nodeCount":             g.integer(1, 4),
		"priority":              g.integer(nil, 5),
		"history": func() any {
			return g.section(0.6, map[string]func() any{"outputCollection": g.boolean(), "snapshotProject": g.boolean(), "directoriesToWatch": g.strList()})
		},
		"spark": func() any {
			return g.section(0.6, map[string]func() any{"configuration": g.choice([]any{map[string]any{"spark.app.name": "x"}, map[string]any{}}, nil)})
		},
		"docker": func() any {
			return g.section(0.6, map[string]func() any{"useDocker": g.boolean(), "sharedVolumes": g.boolean(), "arguments": g.strList(), "shmSize": g.str("2g", nil)})
		},
		"hdi": func() any { return g.section(0.6, map[string]func() any{"yarnDeployMode": g.str("cluster", "client")}) },
		"tensorflow": func() any {
			return g.section(0.6, map[string]func() any{"workerCount": g.integer(1, 2), "parameterServerCount": g.integer(1)})
		},
		"mpi": func() any {
			return g.section(0.6, map[string]func() any{"processCountPerNode": g.integer(1, 2), "nodeCount": g.integer(1)})
		},
		"pytorch": func() any {
			return g.section(0.6, map[string]func() any{"communicationBackend": g.str("nccl", "gloo"), "processCount": g.integer(nil, 2), "nodeCount": g.integer(1)})
		},
		"paralleltask": func() any {
			return g.section(0.6, map[string]func() any{"maxRetriesPerWorker": g.integer(0, 3), "workerCountPerNode": g.integer(1), "terminalExitCodes": g.choice([]any{nil, []any{1, 2}})})
		},
		"dataReferences":           g.dataReferences,
		"datacaches":               g.choice([]any{[]any{}}, nil),
		"outputData":               g.choice([]any{map[string]any{}}, nil),
		"sourceDirectoryDataStore": g.str(nil, "workspaceblobstore"),
		"amlcompute": func() any {
			return g.section(0.6, map[string]func() any{"vmSize": g.str(nil, "STANDARD_D2_V2"), "vmPriority": g.str(nil, "lowpriority"), "retainCluster": g.boolean(), "name": g.str(nil, "c"), "clusterMaxNodeCount": g.integer(nil, 4)})
		},
		"kubernetescompute":     func() any { return g.section(0.6, map[string]func() any{"instanceType": g.str(nil, "small")}) },
		"credentialPassthrough": g.boolean(),
		"command":               g.choice([]any{"", "python train.py"}, []any{"python", "x.py"}, nil),
		"environmentVariables":  g.envVars(),
		"applicationEndpoints":  g.choice([]any{map[string]any{}}, nil),
	}
	m := g.section(0.45, gens)
	if !g.p(0.1) { // without environment 1.50 takes the file for a legacy one
		m[g.key("environment")] = g.environment()
	}
	return m
}

// genRunconfigCase draws document i and lays it out as <proj>/.azureml/<name>.runconfig
// (plus referenced conda files); it returns the project directory and the name to load.
func genRunconfigCase(t *testing.T, r *rand.Rand, proj string) (name string, text string) {
	g := &genDoc{r: r, files: map[string]string{}}
	if r.IntN(3) == 0 {
		g.spell = 0.15
	}
	doc := g.document()
	if r.IntN(3) == 0 {
		b, err := json.MarshalIndent(doc, "", "  ")
		require.NoError(t, err)
		text = string(b)
	} else {
		b, err := yaml.Marshal(doc)
		require.NoError(t, err)
		text = string(b)
	}
	name = pick(r, []string{"gen", "docker", "local"})
	writeFile(t, filepath.Join(proj, ".azureml", name+".runconfig"), []byte(text))
	for p, data := range g.files {
		writeFile(t, filepath.Join(proj, filepath.FromSlash(p)), []byte(data))
	}
	if r.IntN(2) == 0 {
		name += ".runconfig"
	}
	return name, text
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
