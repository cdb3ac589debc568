package runconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// kv is one entry of an ordered mapping.
type kv struct {
	key string
	val any
}

// omap is an ordered mapping. Tree values are nil, bool, int, int64, float64, string,
// json.Number, []any and omap.
type omap []kv

func (m *omap) add(key string, val any) { *m = append(*m, kv{key, val}) }

// treeForm selects what a tree is built for.
type treeForm struct {
	// inlineConda puts environment.python.condaDependencies inline (repr/service form).
	inlineConda bool
	// condaFile, when non-nil, replaces condaDependenciesFile (save form).
	condaFile *string
	// envRef, when non-empty, writes environment: <envRef> instead of the section.
	envRef string
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func intPtr(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func strSlice(s []string) any {
	if s == nil {
		return nil
	}
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func intSlice(s []int) any {
	if s == nil {
		return nil
	}
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func strMap(m map[string]string, hint []string) any {
	if m == nil {
		return nil
	}
	keys := orderedKeys(m, hint)
	out := make(omap, 0, len(keys))
	for _, k := range keys {
		out.add(k, m[k])
	}
	return out
}

// orderedKeys returns the keys of m: first those in hint (the order read from a file),
// then the others sorted.
func orderedKeys[V any](m map[string]V, hint []string) []string {
	if len(hint) == 0 {
		return sortedKeys(m)
	}
	out := make([]string, 0, len(m))
	seen := make(map[string]bool, len(hint))
	for _, k := range hint {
		if _, ok := m[k]; ok && !seen[k] {
			out = append(out, k)
			seen[k] = true
		}
	}
	for _, k := range sortedKeys(m) {
		if !seen[k] {
			out = append(out, k)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// genericTree converts a generic value (from YAML decoding or user code) into tree values,
// sorting map keys.
func genericTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return nil
		}
		out := make(omap, 0, len(x))
		for _, k := range sortedKeys(x) {
			out.add(k, genericTree(x[k]))
		}
		return out
	case map[any]any:
		if x == nil {
			return nil
		}
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[fmt.Sprint(k)] = val
		}
		return genericTree(m)
	case map[string]string:
		return strMap(x, nil)
	case []any:
		if x == nil {
			return nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = genericTree(e)
		}
		return out
	case []string:
		return strSlice(x)
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case float32:
		return float64(x)
	default:
		return x
	}
}

func genericMap(m map[string]any, hint []string) any {
	if m == nil {
		return nil
	}
	out := make(omap, 0, len(m))
	for _, k := range orderedKeys(m, hint) {
		out.add(k, genericTree(m[k]))
	}
	return out
}

// tree builds the ordered camelCase dictionary of rc, in azureml's key order.
func (rc *RunConfiguration) tree(f treeForm) (omap, error) {
	var t omap
	t.add("script", nullable(rc.Script))
	args, err := argumentsTree(rc.Arguments)
	if err != nil {
		return nil, err
	}
	t.add("arguments", args)
	t.add("target", nullable(rc.Target))
	t.add("framework", nullable(rc.Framework))
	t.add("communicator", nullable(rc.Communicator))
	t.add("maxRunDurationSeconds", intPtr(rc.MaxRunDurationSeconds))
	t.add("nodeCount", rc.NodeCount)
	t.add("priority", intPtr(rc.Priority))
	if f.envRef != "" {
		t.add("environment", f.envRef)
	} else {
		env, err := rc.Environment.tree(f)
		if err != nil {
			return nil, err
		}
		t.add("environment", env)
	}
	t.add("history", omap{
		{"outputCollection", rc.History.OutputCollection},
		{"snapshotProject", rc.History.SnapshotProject},
		{"directoriesToWatch", strSlice(rc.History.DirectoriesToWatch)},
	})
	t.add("spark", omap{{"configuration", genericMap(rc.Spark.Configuration, rc.keyOrder["spark.configuration"])}})
	t.add("docker", omap{
		{"useDocker", rc.Docker.UseDocker},
		{"sharedVolumes", rc.Docker.SharedVolumes},
		{"arguments", strSlice(rc.Docker.Arguments)},
		{"shmSize", nullable(rc.Docker.ShmSize)},
	})
	t.add("hdi", omap{{"yarnDeployMode", nullable(rc.HDI.YarnDeployMode)}})
	t.add("tensorflow", omap{
		{"workerCount", rc.TensorFlow.WorkerCount},
		{"parameterServerCount", rc.TensorFlow.ParameterServerCount},
	})
	t.add("mpi", omap{
		{"processCountPerNode", rc.MPI.ProcessCountPerNode},
		{"nodeCount", rc.MPI.NodeCount},
	})
	t.add("pytorch", omap{
		{"communicationBackend", nullable(rc.PyTorch.CommunicationBackend)},
		{"processCount", intPtr(rc.PyTorch.ProcessCount)},
		{"nodeCount", rc.PyTorch.NodeCount},
	})
	t.add("paralleltask", omap{
		{"maxRetriesPerWorker", rc.ParallelTask.MaxRetriesPerWorker},
		{"workerCountPerNode", rc.ParallelTask.WorkerCountPerNode},
		{"terminalExitCodes", intSlice(rc.ParallelTask.TerminalExitCodes)},
	})
	t.add("dataReferences", dataReferencesTree(rc.DataReferences, rc.keyOrder["dataReferences"]))
	t.add("data", dataTree(rc.Data, rc.keyOrder["data"]))
	if rc.Datacaches == nil {
		t.add("datacaches", nil)
	} else {
		t.add("datacaches", genericTree(rc.Datacaches))
	}
	t.add("outputData", genericMap(rc.OutputData, rc.keyOrder["outputData"]))
	t.add("sourceDirectoryDataStore", nullable(rc.SourceDirectoryDataStore))
	t.add("amlcompute", omap{
		{"vmSize", nullable(rc.AmlCompute.VMSize)},
		{"vmPriority", nullable(rc.AmlCompute.VMPriority)},
		{"retainCluster", rc.AmlCompute.RetainCluster},
		{"name", nullable(rc.AmlCompute.Name)},
		{"clusterMaxNodeCount", intPtr(rc.AmlCompute.ClusterMaxNodeCount)},
	})
	t.add("kubernetescompute", omap{{"instanceType", nullable(rc.KubernetesCompute.InstanceType)}})
	t.add("credentialPassthrough", rc.CredentialPassthrough)
	t.add("command", rc.Command)
	t.add("environmentVariables", strMap(rc.EnvironmentVariables, rc.keyOrder["environmentVariables"]))
	t.add("applicationEndpoints", genericMap(rc.ApplicationEndpoints, rc.keyOrder["applicationEndpoints"]))
	if c := rc.ContainerInstance; c != nil {
		// azureml-core 1.50 has no field for it, but its save() writes a loaded section back
		// after the known keys; amlgo's ContainerInstance target reads it.
		t.add("containerInstance", omap{
			{"region", nullable(c.Region)},
			{"cpuCores", number(c.CPUCores)},
			{"memoryGb", number(c.MemoryGB)},
		})
	}
	return t, nil
}

// number is f as a tree value: an int when f is integral (as a YAML or JSON file wrote it,
// e.g. cpuCores: 1), else the float.
func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int(f)
	}
	return f
}

func dataReferencesTree(m map[string]DataReferenceConfiguration, hint []string) any {
	if m == nil {
		return nil
	}
	out := omap{}
	for _, k := range orderedKeys(m, hint) {
		d := m[k]
		out.add(k, omap{
			{"dataStoreName", nullable(d.DataStoreName)},
			{"pathOnDataStore", nullable(d.PathOnDataStore)},
			{"mode", nullable(d.Mode)},
			{"overwrite", d.Overwrite},
			{"pathOnCompute", nullable(d.PathOnCompute)},
		})
	}
	return out
}

func dataTree(m map[string]Data, hint []string) any {
	if m == nil {
		return nil
	}
	out := omap{}
	for _, k := range orderedKeys(m, hint) {
		d := m[k]
		var loc omap
		if ds := d.DataLocation.Dataset; ds != nil {
			loc.add("dataset", omap{{"id", nullable(ds.ID)}, {"name", nullable(ds.Name)}, {"version", nullable(ds.Version)}})
		} else {
			loc.add("dataset", nil)
		}
		if dp := d.DataLocation.DataPath; dp != nil {
			loc.add("dataPath", omap{{"datastoreName", nullable(dp.DatastoreName)}, {"relativePath", nullable(dp.RelativePath)}})
		} else {
			loc.add("dataPath", nil)
		}
		if u := d.DataLocation.URI; u != nil {
			loc.add("uri", omap{{"path", nullable(u.Path)}, {"isFile", u.IsFile}})
		} else {
			loc.add("uri", nil)
		}
		out.add(k, omap{
			{"dataLocation", loc},
			{"createOutputDirectories", d.CreateOutputDirectories},
			{"mechanism", nullable(d.Mechanism)},
			{"environmentVariableName", nullable(d.EnvironmentVariableName)},
			{"pathOnCompute", nullable(d.PathOnCompute)},
			{"overwrite", d.Overwrite},
			{"options", genericMap(d.Options, nil)},
		})
	}
	return out
}

// tree builds the ordered dictionary of the environment section.
func (e *Environment) tree(f treeForm) (omap, error) {
	var t omap
	t.add("name", nullable(e.Name))
	t.add("version", nullable(e.Version))
	t.add("environmentVariables", strMap(e.EnvironmentVariables, e.keyOrder["environmentVariables"]))

	py := omap{
		{"userManagedDependencies", e.Python.UserManagedDependencies},
		{"interpreterPath", nullable(e.Python.InterpreterPath)},
	}
	if f.condaFile != nil {
		py.add("condaDependenciesFile", nullable(*f.condaFile))
	} else {
		py.add("condaDependenciesFile", nullable(e.Python.CondaDependenciesFile))
	}
	py.add("baseCondaEnvironment", nullable(e.Python.BaseCondaEnvironment))
	if f.inlineConda && e.Python.CondaDependencies != nil {
		b, err := e.Python.CondaDependencies.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("runconfig: conda dependencies: %w", err)
		}
		v, err := parseOrderedJSON(b)
		if err != nil {
			return nil, fmt.Errorf("runconfig: conda dependencies: %w", err)
		}
		py.add("condaDependencies", v)
	}
	t.add("python", py)

	d := e.Docker
	reg := omap{
		{"address", nullable(d.BaseImageRegistry.Address)},
		{"username", nullable(d.BaseImageRegistry.Username)},
		{"password", nullable(string(d.BaseImageRegistry.Password))},
	}
	if ri := d.BaseImageRegistry.RegistryIdentity; ri != nil {
		reg.add("registryIdentity", omap{{"resourceId", nullable(ri.ResourceID)}, {"clientId", nullable(ri.ClientID)}})
	} else {
		reg.add("registryIdentity", nil)
	}
	t.add("docker", omap{
		{"enabled", d.Enabled},
		{"baseImage", nullable(d.BaseImage)},
		{"baseDockerfile", nullable(d.BaseDockerfile)},
		{"buildContext", nullable(d.BuildContext)},
		{"sharedVolumes", d.SharedVolumes},
		{"shmSize", nullable(d.ShmSize)},
		{"arguments", strSlice(d.Arguments)},
		{"baseImageRegistry", reg},
		{"platform", omap{{"os", nullable(d.Platform.OS)}, {"architecture", nullable(d.Platform.Architecture)}}},
	})

	var pkgs any
	if e.Spark.Packages != nil {
		l := make([]any, 0, len(e.Spark.Packages))
		for _, p := range e.Spark.Packages {
			l = append(l, omap{{"group", p.Group}, {"artifact", p.Artifact}, {"version", p.Version}})
		}
		pkgs = l
	}
	t.add("spark", omap{
		{"repositories", strSlice(e.Spark.Repositories)},
		{"packages", pkgs},
		{"precachePackages", e.Spark.PrecachePackages},
	})
	t.add("databricks", e.Databricks.tree())
	t.add("r", e.R.tree())
	t.add("inferencingStackVersion", nullable(e.InferencingStackVersion))
	t.add("assetId", nullable(e.AssetID))
	return t, nil
}

func listTree[T any](s []T, item func(T) omap) any {
	if s == nil {
		return nil
	}
	out := make([]any, 0, len(s))
	for _, v := range s {
		out = append(out, item(v))
	}
	return out
}

func (d DatabricksSection) tree() omap {
	return omap{
		{"mavenLibraries", listTree(d.MavenLibraries, func(l MavenLibrary) omap {
			return omap{{"coordinates", nullable(l.Coordinates)}, {"repo", nullable(l.Repo)}, {"exclusions", strSlice(l.Exclusions)}}
		})},
		{"pypiLibraries", listTree(d.PypiLibraries, func(l PyPiLibrary) omap {
			return omap{{"package", nullable(l.Package)}, {"repo", nullable(l.Repo)}}
		})},
		{"rcranLibraries", listTree(d.RCranLibraries, func(l RCranLibrary) omap {
			return omap{{"package", nullable(l.Package)}, {"repo", nullable(l.Repo)}}
		})},
		{"jarLibraries", listTree(d.JarLibraries, func(l JarLibrary) omap { return omap{{"library", nullable(l.Library)}} })},
		{"eggLibraries", listTree(d.EggLibraries, func(l EggLibrary) omap { return omap{{"library", nullable(l.Library)}} })},
	}
}

func (r *RSection) tree() any {
	if r == nil {
		return nil
	}
	return omap{
		{"rVersion", nullable(r.RVersion)},
		{"userManaged", r.UserManaged},
		{"rscriptPath", nullable(r.RscriptPath)},
		{"snapshotDate", nullable(r.SnapshotDate)},
		{"cranPackages", listTree(r.CRANPackages, func(p RCranPackage) omap {
			return omap{{"name", nullable(p.Name)}, {"version", nullable(p.Version)}, {"repository", nullable(p.Repository)}}
		})},
		{"githubPackages", listTree(r.GitHubPackages, func(p RGitHubPackage) omap {
			return omap{{"repository", nullable(p.Repository)}, {"authToken", nullable(string(p.AuthToken))}}
		})},
		{"customUrlPackages", strSlice(r.CustomURLPackages)},
		{"bioconductorPackages", strSlice(r.BioConductorPackages)},
	}
}

// parseOrderedJSON decodes JSON keeping object key order.
func parseOrderedJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := omap{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("unexpected JSON key %v", kt)
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				m.add(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return l, nil
		}
		return nil, fmt.Errorf("unexpected JSON delimiter %v", t)
	default:
		return t, nil
	}
}
