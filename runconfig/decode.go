package runconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/amlgo/amlgo/conda"
	"go.yaml.in/yaml/v3"
)

// rcDecoder decodes a runconfig document. When resolve is true, referenced files
// (environment: <file>, condaDependenciesFile) are read relative to baseDir.
type rcDecoder struct {
	nodeDecoder
	baseDir string
	resolve bool
	// fileDir is the directory holding the runconfig file ("" when parsing bytes).
	fileDir string
	// fatal errors (missing referenced files), reported before type errors.
	fatal []error
	// src is the text of the document being decoded, rebuilt whether rebuildCamelCase
	// rewrote it (then src no longer matches the nodes).
	src     []byte
	rebuilt bool
}

func (d *rcDecoder) result() error {
	if len(d.fatal) > 0 {
		return errors.Join(d.fatal...)
	}
	return errors.Join(d.errs...)
}

// parseDocument parses YAML (or JSON) into its root mapping node.
func parseDocument(data []byte, what string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, newError(fmt.Sprintf("%s is not valid YAML or JSON: %v", what, err), ErrParse)
	}
	root := deref(&doc)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, newError(what+" is not a YAML mapping", ErrParse)
	}
	return root, nil
}

// decodeRunConfig decodes the root mapping of a .runconfig file.
func (d *rcDecoder) decodeRunConfig(root *yaml.Node) *RunConfiguration {
	if isLegacyWorkbench(root) {
		return d.decodeLegacy(root)
	}
	if !allCamelCase(root, scopeRoot) {
		rebuildCamelCase(root, scopeRoot)
		d.rebuilt = true
	} else {
		for _, p := range dropMisspelledUserKeys(root, scopeRoot, "") {
			d.warnf("ignored %s: in a file whose keys are all camelCase, 1.50 reads only environmentVariables", p)
		}
	}
	rc := New()
	d.fields(root, "", func(k, raw string, v *yaml.Node) bool {
		p := raw
		switch k {
		case "script":
			rc.Script = d.str(v, p)
		case "arguments":
			rc.Arguments = d.argumentList(v, p)
		case "target":
			rc.Target = d.str(v, p)
		case "framework":
			rc.Framework = d.str(v, p)
		case "communicator":
			rc.Communicator = d.str(v, p)
		case "maxrundurationseconds":
			rc.MaxRunDurationSeconds = d.optInt(v, p)
		case "nodecount":
			rc.NodeCount = d.integer(v, p, rc.NodeCount)
		case "priority":
			rc.Priority = d.optInt(v, p)
		case "environment":
			if env, ok := d.environmentRef(v, "environment"); ok {
				rc.Environment = env
			}
		case "history":
			if !isNull(v) {
				rc.History = d.history(v, p)
			}
		case "spark":
			if !isNull(v) {
				rc.Spark = defaultSparkConfiguration()
				d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
					if k != "configuration" {
						return false
					}
					setOrder(&rc.keyOrder, "spark.configuration", v)
					if m, ok := generic(v).(map[string]any); ok || isNull(v) {
						rc.Spark.Configuration = m
					} else {
						d.fail(joinPath(p, raw), "expected a mapping")
					}
					return true
				})
			}
		case "docker":
			if !isNull(v) {
				rc.Docker = d.dockerConfiguration(v, p)
			}
		case "hdi":
			d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
				if k != "yarndeploymode" {
					return false
				}
				rc.HDI.YarnDeployMode = d.str(v, joinPath(p, raw))
				return true
			})
		case "tensorflow":
			d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
				switch k {
				case "workercount":
					rc.TensorFlow.WorkerCount = d.integer(v, joinPath(p, raw), 1)
				case "parameterservercount":
					rc.TensorFlow.ParameterServerCount = d.integer(v, joinPath(p, raw), 1)
				default:
					return false
				}
				return true
			})
		case "mpi":
			d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
				switch k {
				case "processcountpernode":
					rc.MPI.ProcessCountPerNode = d.integer(v, joinPath(p, raw), 1)
				case "nodecount":
					rc.MPI.NodeCount = d.integer(v, joinPath(p, raw), 1)
				default:
					return false
				}
				return true
			})
		case "pytorch":
			d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
				switch k {
				case "communicationbackend":
					rc.PyTorch.CommunicationBackend = d.str(v, joinPath(p, raw))
				case "processcount":
					rc.PyTorch.ProcessCount = d.optInt(v, joinPath(p, raw))
				case "nodecount":
					rc.PyTorch.NodeCount = d.integer(v, joinPath(p, raw), 1)
				default:
					return false
				}
				return true
			})
		case "paralleltask":
			d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
				switch k {
				case "maxretriesperworker":
					rc.ParallelTask.MaxRetriesPerWorker = d.integer(v, joinPath(p, raw), 0)
				case "workercountpernode":
					rc.ParallelTask.WorkerCountPerNode = d.integer(v, joinPath(p, raw), 1)
				case "terminalexitcodes":
					rc.ParallelTask.TerminalExitCodes = d.intList(v, joinPath(p, raw))
				default:
					return false
				}
				return true
			})
		case "datareferences":
			rc.DataReferences = d.dataReferences(v, p)
			setOrder(&rc.keyOrder, "dataReferences", v)
		case "data":
			rc.Data = d.data(v, p)
			setOrder(&rc.keyOrder, "data", v)
		case "datacaches":
			if isNull(v) {
				rc.Datacaches = nil
			} else if l, ok := generic(v).([]any); ok {
				rc.Datacaches = l
			} else {
				d.fail(p, "expected a list")
			}
		case "outputdata":
			rc.OutputData = d.objectMap(v, p)
			setOrder(&rc.keyOrder, "outputData", v)
		case "sourcedirectorydatastore":
			rc.SourceDirectoryDataStore = d.str(v, p)
		case "amlcompute":
			d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
				q := joinPath(p, raw)
				switch k {
				case "vmsize":
					rc.AmlCompute.VMSize = d.str(v, q)
				case "vmpriority":
					rc.AmlCompute.VMPriority = d.str(v, q)
				case "retaincluster":
					rc.AmlCompute.RetainCluster = d.boolean(v, q, false)
				case "name":
					rc.AmlCompute.Name = d.str(v, q)
				case "clustermaxnodecount":
					rc.AmlCompute.ClusterMaxNodeCount = d.optInt(v, q)
				default:
					return false
				}
				return true
			})
		case "kubernetescompute":
			d.fields(v, p, func(k, raw string, v *yaml.Node) bool {
				if k != "instancetype" {
					return false
				}
				rc.KubernetesCompute.InstanceType = d.str(v, joinPath(p, raw))
				return true
			})
		case "credentialpassthrough":
			rc.CredentialPassthrough = d.boolean(v, p, false)
		case "command":
			v = deref(v)
			if v != nil && v.Kind == yaml.SequenceNode {
				rc.Command = shellJoin(d.strList(v, p))
			} else {
				rc.Command = d.str(v, p)
			}
		case "environmentvariables":
			rc.EnvironmentVariables = d.strMap(v, p)
			setOrder(&rc.keyOrder, "environmentVariables", v)
		case "applicationendpoints", "services":
			rc.ApplicationEndpoints = d.objectMap(v, p)
			setOrder(&rc.keyOrder, "applicationEndpoints", v)
		case "autoprepareenvironment", "prepareenvironment":
			// A 1.0.x key that 1.50 ignores: kept when it is a boolean, never an error.
			if n := deref(v); n.Kind == yaml.ScalarNode && (n.Tag == "!!bool" || isNull(n)) {
				rc.AutoPrepareEnvironment = d.optBool(v, p)
			} else {
				d.warnf("ignored %s: not true or false (1.50 ignores the key)", p)
			}
		case "containerinstance":
			rc.ContainerInstance = d.containerInstance(v, p)
		case "batchai":
			d.warnf("ignored legacy section %s (2018 preview BatchAI; use amlcompute)", raw)
		default:
			return false
		}
		return true
	})
	return rc
}

func (d *rcDecoder) history(n *yaml.Node, p string) HistoryConfiguration {
	h := defaultHistory()
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "outputcollection":
			h.OutputCollection = d.boolean(v, q, true)
		case "snapshotproject":
			h.SnapshotProject = d.boolean(v, q, true)
		case "directoriestowatch":
			h.DirectoriesToWatch = d.strList(v, q)
		default:
			return false
		}
		return true
	})
	return h
}

func (d *rcDecoder) dockerConfiguration(n *yaml.Node, p string) DockerConfiguration {
	// Keys missing from the section keep RunConfiguration()'s defaults (shmSize 2g), as in
	// 1.50, which fills the run configuration's own DockerConfiguration.
	c := DockerConfiguration{SharedVolumes: true, Arguments: []string{}, ShmSize: "2g"}
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "usedocker":
			c.UseDocker = d.boolean(v, q, false)
		case "sharedvolumes":
			c.SharedVolumes = d.boolean(v, q, true)
		case "arguments":
			c.Arguments = d.strList(v, q)
		case "shmsize":
			c.ShmSize = d.str(v, q)
		default:
			return false
		}
		return true
	})
	return c
}

// objectMap decodes a mapping whose values are configuration objects kept generic
// (outputData, applicationEndpoints): as in 1.50, each value must be a mapping.
func (d *rcDecoder) objectMap(n *yaml.Node, p string) map[string]any {
	m := d.genericMap(n, p)
	n = deref(n)
	if m == nil || n.Kind != yaml.MappingNode {
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if deref(n.Content[i+1]).Kind != yaml.MappingNode {
			d.fail(joinPath(p, deref(n.Content[i]).Value), "expected a mapping")
		}
	}
	return m
}

func (d *rcDecoder) genericMap(n *yaml.Node, p string) map[string]any {
	if isNull(n) {
		return nil
	}
	m, ok := generic(n).(map[string]any)
	if !ok {
		d.fail(p, "expected a mapping")
		return nil
	}
	return m
}

func (d *rcDecoder) dataReferences(n *yaml.Node, p string) map[string]DataReferenceConfiguration {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(p, "expected a mapping")
		return nil
	}
	out := map[string]DataReferenceConfiguration{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := d.str(n.Content[i], p)
		q := joinPath(p, name)
		r := DataReferenceConfiguration{Mode: "mount"} // DataReferenceConfiguration()'s default
		if deref(n.Content[i+1]).Kind != yaml.MappingNode {
			d.fail(q, "expected a mapping")
			continue
		}
		d.fields(n.Content[i+1], q, func(k, raw string, v *yaml.Node) bool {
			f := joinPath(q, raw)
			switch k {
			case "datastorename":
				r.DataStoreName = d.str(v, f)
			case "pathondatastore":
				r.PathOnDataStore = d.str(v, f)
			case "mode":
				r.Mode = d.str(v, f)
			case "overwrite":
				r.Overwrite = d.boolean(v, f, false)
			case "pathoncompute":
				r.PathOnCompute = d.str(v, f)
			default:
				return false
			}
			return true
		})
		// As 1.50, which validates each entry while loading (DataReferenceConfiguration._validate).
		switch {
		case r.DataStoreName == "":
			d.fail(q, "Missing data store name")
		case !oneOfFold(r.Mode, "mount", "download", "upload"):
			mode := r.Mode
			if mode == "" {
				mode = "None"
			}
			d.fail(q, "mode %s is not supported. Only mount, download allowed", mode)
		default:
			r.Mode = strings.ToLower(r.Mode)
		}
		out[name] = r
	}
	return out
}

func (d *rcDecoder) data(n *yaml.Node, p string) map[string]Data {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(p, "expected a mapping")
		return nil
	}
	out := map[string]Data{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := d.str(n.Content[i], p)
		q := joinPath(p, name)
		var r Data
		d.fields(n.Content[i+1], q, func(k, raw string, v *yaml.Node) bool {
			f := joinPath(q, raw)
			switch k {
			case "datalocation":
				r.DataLocation = d.dataLocation(v, f)
			case "createoutputdirectories":
				r.CreateOutputDirectories = d.boolean(v, f, false)
			case "mechanism":
				r.Mechanism = d.str(v, f)
			case "environmentvariablename":
				r.EnvironmentVariableName = d.str(v, f)
			case "pathoncompute":
				r.PathOnCompute = d.str(v, f)
			case "overwrite":
				r.Overwrite = d.boolean(v, f, false)
			case "options":
				r.Options = d.genericMap(v, f)
			default:
				return false
			}
			return true
		})
		out[name] = r
	}
	return out
}

func (d *rcDecoder) dataLocation(n *yaml.Node, p string) DataLocation {
	var l DataLocation
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "dataset":
			if !isNull(v) {
				l.Dataset = &DatasetReference{}
				d.fields(v, q, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "id":
						l.Dataset.ID = d.str(v, joinPath(q, raw))
					case "name":
						l.Dataset.Name = d.str(v, joinPath(q, raw))
					case "version":
						l.Dataset.Version = d.str(v, joinPath(q, raw))
					default:
						return false
					}
					return true
				})
			}
		case "datapath":
			if !isNull(v) {
				l.DataPath = &DataPath{}
				d.fields(v, q, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "datastorename":
						l.DataPath.DatastoreName = d.str(v, joinPath(q, raw))
					case "relativepath":
						l.DataPath.RelativePath = d.str(v, joinPath(q, raw))
					default:
						return false
					}
					return true
				})
			}
		case "uri":
			if !isNull(v) {
				l.URI = &URIReference{}
				d.fields(v, q, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "path":
						l.URI.Path = d.str(v, joinPath(q, raw))
					case "isfile":
						l.URI.IsFile = d.boolean(v, joinPath(q, raw), false)
					default:
						return false
					}
					return true
				})
			}
		default:
			return false
		}
		return true
	})
	return l
}

func (d *rcDecoder) containerInstance(n *yaml.Node, p string) *ContainerInstanceConfiguration {
	if isNull(n) {
		return nil
	}
	c := &ContainerInstanceConfiguration{CPUCores: 2, MemoryGB: 3.5}
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "region":
			c.Region = d.str(v, q)
		case "cpucores":
			c.CPUCores = d.number(v, q, 2)
		case "memorygb":
			c.MemoryGB = d.number(v, q, 3.5)
		default:
			return false
		}
		return true
	})
	return c
}

// resolvePath resolves a path written in a runconfig against the decoder's base directory.
func (d *rcDecoder) resolvePath(p string) string {
	p = filepath.FromSlash(strings.ReplaceAll(p, `\`, "/"))
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(d.baseDir, p)
}

// environmentRef decodes "environment:", which is a mapping or the path of a separate
// environment YAML file.
func (d *rcDecoder) environmentRef(n *yaml.Node, p string) (Environment, bool) {
	n = deref(n)
	if isNull(n) {
		return Environment{}, false
	}
	if n.Kind == yaml.ScalarNode {
		if !d.resolve {
			d.fatal = append(d.fatal, newError(fmt.Sprintf("environment file %q cannot be resolved without a directory", n.Value), ErrReferencedFileMissing))
			return Environment{}, false
		}
		path := d.resolvePath(n.Value)
		data, err := os.ReadFile(path)
		if err != nil {
			d.fatal = append(d.fatal, newError(fmt.Sprintf("environment file %s (environment: %s) cannot be read: %v", path, n.Value, err), ErrReferencedFileMissing))
			return Environment{}, false
		}
		root, err := parseDocument(data, "environment file "+path)
		if err != nil {
			d.fatal = append(d.fatal, err)
			return Environment{}, false
		}
		// 1.50 reads the environment file after the camelCase check, as it is.
		src, rebuilt := d.src, d.rebuilt
		d.src, d.rebuilt = data, false
		defer func() { d.src, d.rebuilt = src, rebuilt }()
		return d.environment(root, p), true
	}
	return d.environment(n, p), true
}

// environment decodes an environment mapping. Keys missing from it come back as 1.50's
// deserializer leaves them: name/version null, environmentVariables {}, python/docker
// sections with their section defaults (docker baseImage and shmSize null), spark/databricks
// defaults.
func (d *rcDecoder) environment(n *yaml.Node, p string) Environment {
	env := Environment{
		EnvironmentVariables: map[string]string{},
		Python:               defaultPythonSection(),
		Docker:               deserializedDockerSection(),
		Spark:                defaultSparkSection(),
		Databricks:           defaultDatabricksSection(),
	}
	var inlineConda, inlineKey *yaml.Node
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "name":
			env.Name = d.text(v, q)
		case "version":
			env.Version = d.str(v, q)
		case "environmentvariables":
			env.EnvironmentVariables = d.strMap(v, q)
			setOrder(&env.keyOrder, "environmentVariables", v)
		case "python":
			pyNode := v
			d.fields(v, q, func(k, raw string, v *yaml.Node) bool {
				f := joinPath(q, raw)
				switch k {
				case "usermanageddependencies":
					env.Python.UserManagedDependencies = d.boolean(v, f, false)
				case "interpreterpath":
					env.Python.InterpreterPath = d.str(v, f)
				case "condadependenciesfile":
					env.Python.CondaDependenciesFile = d.str(v, f)
				case "basecondaenvironment":
					env.Python.BaseCondaEnvironment = d.str(v, f)
				case "condadependencies":
					if !isNull(v) {
						inlineConda, inlineKey = v, keyOf(pyNode, v)
					}
				default:
					return false
				}
				return true
			})
		case "docker":
			if !isNull(v) {
				env.Docker = d.dockerSection(v, q)
			}
		case "spark":
			if !isNull(v) {
				env.Spark = d.sparkSection(v, q)
			}
		case "databricks":
			if !isNull(v) {
				env.Databricks = d.databricks(v, q)
			}
		case "r":
			env.R = d.rSection(v, q)
		case "inferencingstackversion":
			env.InferencingStackVersion = d.str(v, q)
		case "assetid":
			env.AssetID = d.str(v, q)
		default:
			return false
		}
		return true
	})
	d.loadConda(&env, inlineConda, inlineKey, p)
	return env
}

// loadConda fills env.Python.CondaDependencies from condaDependenciesFile (which must exist)
// or from the inline specification.
func (d *rcDecoder) loadConda(env *Environment, inline, inlineKey *yaml.Node, p string) {
	file := env.Python.CondaDependenciesFile
	if file != "" && d.resolve {
		path := d.resolvePath(file)
		if _, err := os.Stat(path); err != nil {
			d.fatal = append(d.fatal, newError(fmt.Sprintf("conda dependencies file %s (condaDependenciesFile: %s) does not exist", path, file), ErrReferencedFileMissing))
			return
		}
		cd, err := conda.Load(path)
		if err != nil {
			// conda's error names the resolved file; the conda sentinel still matches.
			d.fatal = append(d.fatal, newError(fmt.Sprintf("%s.python.condaDependenciesFile %s: %v", p, file, err), ErrParse, err))
			return
		}
		if inline != nil {
			d.warnf("%s.python.condaDependencies ignored: condaDependenciesFile %s takes precedence", p, file)
		}
		env.Python.CondaDependencies = cd
		return
	}
	if inline == nil {
		return
	}
	// As 1.50 (CondaDependencies(_underlying_structure=...)), the specification keeps the
	// form it has in the runconfig: block or flow style (a JSON runconfig's is flow), and a
	// block mapping its comments where they are, so its own text is parsed.
	if text, ok := d.blockSource(inlineKey, inline); ok {
		cd, err := conda.Parse(text)
		if err != nil {
			d.fail(p+".python.condaDependencies", "%v", err)
			return
		}
		env.Python.CondaDependencies = cd
		return
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(inline); err != nil {
		d.fail(p+".python.condaDependencies", "%v", err)
		return
	}
	if err := enc.Close(); err != nil {
		d.fail(p+".python.condaDependencies", "%v", err)
		return
	}
	cd, err := conda.Parse(b.Bytes())
	if err != nil {
		d.fail(p+".python.condaDependencies", "%v", err)
		return
	}
	env.Python.CondaDependencies = cd
}

// keyOf returns the key node of the value v in mapping m, or nil.
func keyOf(m, v *yaml.Node) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if deref(m.Content[i+1]) == v || m.Content[i+1] == v {
			return m.Content[i]
		}
	}
	return nil
}

// blockSource returns the text of the block mapping v, the value of key, as it is in d.src:
// the lines after the key's that are indented deeper than the key, with the blank and
// comment lines among and after them (ruamel keeps those with the mapping). ok is false when
// the text cannot stand for v (flow style, aliases, a rebuilt document).
func (d *rcDecoder) blockSource(key, v *yaml.Node) ([]byte, bool) {
	if d.rebuilt || d.src == nil || key == nil || v == nil || v.Kind != yaml.MappingNode ||
		v.Style&yaml.FlowStyle != 0 || v.Line <= key.Line || key.Kind != yaml.ScalarNode {
		return nil, false
	}
	lines := bytes.SplitAfter(d.src, []byte("\n"))
	if key.Line >= len(lines) {
		return nil, false
	}
	var out []byte
	for _, l := range lines[key.Line:] {
		body := bytes.TrimRight(l, "\r\n")
		trimmed := bytes.TrimLeft(body, " \t")
		indent := len(body) - len(trimmed)
		if len(trimmed) > 0 && trimmed[0] != '#' && indent <= key.Column-1 {
			break
		}
		out = append(out, l...)
	}
	return out, true
}

// deserializedDockerSection is a DockerSection as 1.50's deserializer creates it: the
// section's defaults without the image and shared memory size that Environment() sets
// (baseImage and shmSize null).
func deserializedDockerSection() DockerSection {
	s := defaultDockerSection("")
	s.BaseImage = ""
	return s
}

func (d *rcDecoder) dockerSection(n *yaml.Node, p string) DockerSection {
	s := deserializedDockerSection()
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "enabled":
			s.Enabled = d.boolean(v, q, false)
		case "baseimage":
			s.BaseImage = d.str(v, q)
		case "basedockerfile":
			s.BaseDockerfile = d.str(v, q)
		case "buildcontext":
			s.BuildContext = d.str(v, q)
		case "sharedvolumes":
			s.SharedVolumes = d.boolean(v, q, true)
		case "shmsize":
			s.ShmSize = d.str(v, q)
		case "arguments":
			s.Arguments = d.strList(v, q)
		case "baseimageregistry":
			d.fields(v, q, func(k, raw string, v *yaml.Node) bool {
				f := joinPath(q, raw)
				switch k {
				case "address":
					s.BaseImageRegistry.Address = d.str(v, f)
				case "username":
					s.BaseImageRegistry.Username = d.str(v, f)
				case "password":
					s.BaseImageRegistry.Password = Secret(d.str(v, f))
				case "registryidentity":
					if !isNull(v) {
						ri := &RegistryIdentity{}
						d.fields(v, f, func(k, raw string, v *yaml.Node) bool {
							switch k {
							case "resourceid":
								ri.ResourceID = d.str(v, joinPath(f, raw))
							case "clientid":
								ri.ClientID = d.str(v, joinPath(f, raw))
							default:
								return false
							}
							return true
						})
						s.BaseImageRegistry.RegistryIdentity = ri
					}
				default:
					return false
				}
				return true
			})
		case "platform":
			d.fields(v, q, func(k, raw string, v *yaml.Node) bool {
				switch k {
				case "os":
					s.Platform.OS = d.str(v, joinPath(q, raw))
				case "architecture":
					s.Platform.Architecture = d.str(v, joinPath(q, raw))
				default:
					return false
				}
				return true
			})
		case "gpusupport":
			s.GPUSupport = d.optBool(v, q)
		default:
			return false
		}
		return true
	})
	return s
}

func (d *rcDecoder) sparkSection(n *yaml.Node, p string) SparkSection {
	s := defaultSparkSection()
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "repositories":
			s.Repositories = d.strList(v, q)
		case "packages":
			s.Packages = d.sparkPackages(v, q)
		case "precachepackages":
			s.PrecachePackages = d.boolean(v, q, true)
		default:
			return false
		}
		return true
	})
	return s
}

func (d *rcDecoder) sparkPackages(n *yaml.Node, p string) []SparkMavenPackage {
	return list(&d.nodeDecoder, n, p, func(e *yaml.Node, q string) SparkMavenPackage {
		var pkg SparkMavenPackage
		d.fields(e, q, func(k, raw string, v *yaml.Node) bool {
			switch k {
			case "group":
				pkg.Group = d.str(v, joinPath(q, raw))
			case "artifact":
				pkg.Artifact = d.str(v, joinPath(q, raw))
			case "version":
				pkg.Version = d.str(v, joinPath(q, raw))
			default:
				return false
			}
			return true
		})
		return pkg
	})
}

func (d *rcDecoder) databricks(n *yaml.Node, p string) DatabricksSection {
	s := defaultDatabricksSection()
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "mavenlibraries":
			s.MavenLibraries = list(&d.nodeDecoder, v, q, func(e *yaml.Node, f string) MavenLibrary {
				var l MavenLibrary
				d.fields(e, f, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "coordinates":
						l.Coordinates = d.str(v, joinPath(f, raw))
					case "repo":
						l.Repo = d.str(v, joinPath(f, raw))
					case "exclusions":
						l.Exclusions = d.strList(v, joinPath(f, raw))
					default:
						return false
					}
					return true
				})
				return l
			})
		case "pypilibraries":
			s.PypiLibraries = list(&d.nodeDecoder, v, q, func(e *yaml.Node, f string) PyPiLibrary {
				var l PyPiLibrary
				d.fields(e, f, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "package":
						l.Package = d.str(v, joinPath(f, raw))
					case "repo":
						l.Repo = d.str(v, joinPath(f, raw))
					default:
						return false
					}
					return true
				})
				return l
			})
		case "rcranlibraries":
			s.RCranLibraries = list(&d.nodeDecoder, v, q, func(e *yaml.Node, f string) RCranLibrary {
				var l RCranLibrary
				d.fields(e, f, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "package":
						l.Package = d.str(v, joinPath(f, raw))
					case "repo":
						l.Repo = d.str(v, joinPath(f, raw))
					default:
						return false
					}
					return true
				})
				return l
			})
		case "jarlibraries":
			s.JarLibraries = list(&d.nodeDecoder, v, q, func(e *yaml.Node, f string) JarLibrary {
				var l JarLibrary
				d.fields(e, f, func(k, raw string, v *yaml.Node) bool {
					if k != "library" {
						return false
					}
					l.Library = d.str(v, joinPath(f, raw))
					return true
				})
				return l
			})
		case "egglibraries":
			s.EggLibraries = list(&d.nodeDecoder, v, q, func(e *yaml.Node, f string) EggLibrary {
				var l EggLibrary
				d.fields(e, f, func(k, raw string, v *yaml.Node) bool {
					if k != "library" {
						return false
					}
					l.Library = d.str(v, joinPath(f, raw))
					return true
				})
				return l
			})
		default:
			return false
		}
		return true
	})
	return s
}

func (d *rcDecoder) rSection(n *yaml.Node, p string) *RSection {
	if isNull(n) {
		return nil
	}
	r := &RSection{}
	d.fields(n, p, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(p, raw)
		switch k {
		case "rversion":
			r.RVersion = d.str(v, q)
		case "usermanaged":
			r.UserManaged = d.boolean(v, q, false)
		case "rscriptpath":
			r.RscriptPath = d.str(v, q)
		case "snapshotdate":
			r.SnapshotDate = d.str(v, q)
		case "cranpackages":
			r.CRANPackages = list(&d.nodeDecoder, v, q, func(e *yaml.Node, f string) RCranPackage {
				var c RCranPackage
				d.fields(e, f, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "name":
						c.Name = d.str(v, joinPath(f, raw))
					case "version":
						c.Version = d.str(v, joinPath(f, raw))
					case "repository":
						c.Repository = d.str(v, joinPath(f, raw))
					default:
						return false
					}
					return true
				})
				return c
			})
		case "githubpackages":
			r.GitHubPackages = list(&d.nodeDecoder, v, q, func(e *yaml.Node, f string) RGitHubPackage {
				var g RGitHubPackage
				d.fields(e, f, func(k, raw string, v *yaml.Node) bool {
					switch k {
					case "repository":
						g.Repository = d.str(v, joinPath(f, raw))
					case "authtoken":
						g.AuthToken = Secret(d.str(v, joinPath(f, raw)))
					default:
						return false
					}
					return true
				})
				return g
			})
		case "customurlpackages":
			r.CustomURLPackages = d.strList(v, q)
		case "bioconductorpackages":
			r.BioConductorPackages = d.strList(v, q)
		default:
			return false
		}
		return true
	})
	return r
}
