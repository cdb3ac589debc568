package workspace_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/amlgo/amlgo/internal/testenv"
	"github.com/amlgo/amlgo/workspace"
)

// configCase is one generated search: a tree of directories with configuration files
// here and there, a working directory, a home directory and the path given to FromConfig.
type configCase struct {
	Cwd  string `json:"cwd"`
	Home string `json:"home"`
	Path string `json:"path"`
}

type configAnswer struct {
	Path           *string         `json:"path"`
	Error          string          `json:"error"`
	SubscriptionID json.RawMessage `json:"subscription_id"`
	ResourceGroup  json.RawMessage `json:"resource_group"`
	WorkspaceName  json.RawMessage `json:"workspace_name"`
}

const armScope = "/subscriptions/s-%d/resourceGroups/rg-%d/providers/Microsoft.MachineLearningServices/workspaces/ws-%d"

// genConfigContent draws the content of a configuration file: both of azureml's forms and
// the ways real files get them wrong.
func genConfigContent(r *rand.Rand, i int) string {
	scope := fmt.Sprintf(armScope, i, i, i)
	keys := fmt.Sprintf(`"subscription_id": "s-%d", "resource_group": "rg-%d", "workspace_name": "ws-%d"`, i, i, i)
	switch r.IntN(17) {
	case 0, 1, 2:
		return "{" + keys + "}"
	case 3, 4:
		return `{"Id": null, "Scope": "` + scope + `"}`
	case 5:
		return `{"Id": "p", "Scope": "` + scope + `/projects/p"}`
	case 6:
		return `{"Scope": "` + scope + `", ` + strings.ReplaceAll(keys, `": "`, `": "other-`) + "}"
	case 7:
		return `{"Scope": "", ` + keys + "}"
	case 8:
		return `{"Scope": null, ` + keys + "}"
	case 9:
		return `{"subscription_id": "s", "workspace_name": "w"}`
	case 10:
		return "{" + keys + ", \"location\": \"eastus\", \"friendly_name\": \"x\"}\n"
	case 11:
		return `{"Scope": "` + strings.ToLower(scope) + `"}`
	case 12:
		return `{"Scope": "/subscriptions/s-1/resourceGroups"}`
	case 13:
		return `{"subscription_id": "", "resource_group": "rg", "workspace_name": "ws"}`
	case 14:
		return `{"subscription_id": 123, "resource_group": "rg", "workspace_name": "ws"}`
	case 15:
		return fmt.Sprintf(`{"Scope": "/subscriptions/s-%d/resourceGroups/rg/providers/Microsoft.Other/things/t-%d"}`, i, i)
	}
	return `{"subscription_id": "s", ` // not JSON
}

// genConfigTree lays out one case below base and returns it.
func genConfigTree(t *testing.T, r *rand.Rand, base string, i int) configCase {
	names := []string{"proj", "src b", "é", ".hidden", "x"}
	levels := []string{base}
	for range r.IntN(4) + 1 {
		levels = append(levels, filepath.Join(levels[len(levels)-1], pick(r, names)))
	}
	require.NoError(t, os.MkdirAll(levels[len(levels)-1], 0o755))
	var files []string
	for range r.IntN(5) {
		dir := filepath.Join(pick(r, levels), pick(r, []string{".azureml", "aml_config", ""}))
		p := filepath.Join(dir, pick(r, []string{"config.json", "project.json"}))
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		require.NoError(t, os.MkdirAll(dir, 0o755))
		switch r.IntN(10) {
		case 0: // a directory where a file is looked for
			require.NoError(t, os.MkdirAll(p, 0o755))
		case 1: // a named pipe: not a file to azureml (os.path.isfile)
			require.NoError(t, syscall.Mkfifo(p, 0o644))
		default:
			require.NoError(t, os.WriteFile(p, []byte(genConfigContent(r, i)), 0o644))
			files = append(files, p)
		}
	}
	// Start paths may go through a symlink to a directory: azureml resolves symlinks as it
	// goes up (realpath of <dir>/..), so the parent of <link>/x is the link target's.
	starts := levels
	if len(levels) > 2 && r.IntN(3) == 0 {
		link := filepath.Join(base, "link")
		require.NoError(t, os.Symlink(levels[len(levels)-2], link))
		starts = append(slices.Clone(levels), link, filepath.Join(link, filepath.Base(levels[len(levels)-1])))
	}
	c := configCase{Cwd: pick(r, levels), Home: pick(r, levels)}
	switch k := r.IntN(10); {
	case k < 4:
		c.Path = pick(r, starts)
	case k == 4 && len(files) > 0:
		c.Path = pick(r, files)
	case k == 5:
		c.Path = filepath.Join(pick(r, levels), "missing", "dir")
	case k == 6:
		c.Path = pick(r, []string{"", ".", "..", "x"})
	case k == 7:
		c.Path = "~"
	default:
		rel, err := filepath.Rel(c.Cwd, pick(r, levels))
		require.NoError(t, err)
		c.Path = rel
	}
	return c
}

var workspaceScope = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices/workspaces/[^/]+(/projects/[^/]+)?$`)

// deliberateConfigDifference names the allowed reason why ReadConfig rejects a file that
// azureml's get_workspace_info read, or "" when there is none. amlgo checks what azureml
// passes on unchecked to Workspace.get, where it fails against the service or, worse,
// names another resource:
//   - a Scope that is not a workspace's ARM id: azureml takes the 3rd, 5th and 9th pieces
//     of any "/"-separated string ("/subscriptions/s/resourceGroups/r/providers/
//     Microsoft.Other/things/t" becomes workspace "t");
//   - an empty subscription_id, resource_group or workspace_name;
//   - a value that is not a string (a number is passed on as a number).
func deliberateConfigDifference(t *testing.T, path string, want configAnswer) string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	if scope, _ := doc["Scope"].(string); scope != "" {
		if !workspaceScope.MatchString(scope) {
			return "Scope is not a workspace id"
		}
		return ""
	}
	for _, raw := range []json.RawMessage{want.SubscriptionID, want.ResourceGroup, want.WorkspaceName} {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "value is not a string"
		}
		if s == "" {
			return "value is empty"
		}
	}
	return ""
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// TestFromConfigOracle compares FindConfig and ReadConfig with the real azureml-core's
// Workspace.from_config (its path search and file parsing, Workspace.get stubbed out) on
// generated trees.
func TestFromConfigOracle(t *testing.T) {
	python := testenv.AzureMLPython(t)
	script, err := filepath.Abs(filepath.Join("testdata", "azureml_config.py"))
	require.NoError(t, err)
	n := 600
	if s := os.Getenv("AMLGO_ORACLE_CASES"); s != "" {
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	r := rand.New(rand.NewPCG(20260604, 0x636667))
	base := t.TempDir()
	cases := make([]configCase, n)
	for i := range cases {
		cases[i] = genConfigTree(t, r, filepath.Join(base, strconv.Itoa(i)), i)
	}
	var res struct {
		Cases []configAnswer `json:"cases"`
	}
	testenv.RunOracle(t, python, script, map[string]any{"cases": cases}, &res)
	require.Len(t, res.Cases, n)
	found, parsed := 0, 0
	deliberate := map[string]int{}
	for i, c := range cases {
		want := res.Cases[i]
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Chdir(c.Cwd)
			t.Setenv("HOME", c.Home)
			path, err := workspace.FindConfig(c.Path)
			if want.Path == nil {
				require.Error(t, err, "azureml found nothing: %s", want.Error)
				// azureml's message, then (a deliberate addition) what amlgo looked for.
				got, looked, _ := strings.Cut(err.Error(), " (looked for ")
				assert.Equal(t, "workspace: configuration file not found: "+want.Error, got)
				assert.NotEmpty(t, looked, "the message says where amlgo looked")
				return
			}
			require.NoError(t, err, "azureml found %s", *want.Path)
			require.Equal(t, *want.Path, path)
			found++
			cfg, err := workspace.ReadConfig(path)
			if want.Error != "" {
				require.Error(t, err, "azureml: %s", want.Error)
				return
			}
			if err != nil {
				reason := deliberateConfigDifference(t, path, want)
				require.NotEmpty(t, reason, "azureml read %s", path)
				deliberate[reason]++
				return
			}
			for _, f := range []struct {
				raw json.RawMessage
				got string
			}{{want.SubscriptionID, cfg.SubscriptionID}, {want.ResourceGroup, cfg.ResourceGroup}, {want.WorkspaceName, cfg.WorkspaceName}} {
				var s string
				require.NoError(t, json.Unmarshal(f.raw, &s), "azureml read %s", f.raw)
				assert.Equal(t, s, f.got)
			}
			parsed++
		})
	}
	t.Logf("%d searches: %d found the same file, %d of them read the same workspace; deliberate differences: %v",
		n, found, parsed, deliberate)
}
