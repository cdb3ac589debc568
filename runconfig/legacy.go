package runconfig

import (
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// legacyKeys are the TitleCase keys of Azure ML Workbench (2017-2018) runconfig files.
var legacyKeys = map[string]bool{
	"ArgumentVector": true, "Target": true, "Framework": true, "CondaDependenciesFile": true,
	"SparkDependenciesFile": true, "PrepareEnvironment": true, "AutoPrepareEnvironment": true,
	"TrackedRun": true, "UseSampling": true, "EnvironmentVariables": true,
}

// isLegacyWorkbench reports whether root uses the Workbench TitleCase keys. A file with an
// environment section is a current one whatever the case of its keys (1.50 too tells old
// from new files by that section), so "EnvironmentVariables" or "Target" there are just
// TitleCase spellings of the current keys.
func isLegacyWorkbench(root *yaml.Node) bool {
	legacy := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := deref(root.Content[i])
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if normKey(k.Value) == "environment" {
			return false
		}
		legacy = legacy || legacyKeys[k.Value]
	}
	return legacy
}

// legacyBaseDir is the project directory that Workbench paths (aml_config/...) are relative to.
func (d *rcDecoder) legacyBaseDir() string {
	if d.fileDir != "" && d.baseDir == d.fileDir {
		switch filepath.Base(d.fileDir) {
		case "aml_config", ".azureml":
			return filepath.Dir(d.fileDir)
		}
	}
	return d.baseDir
}

// decodeLegacy maps a Workbench TitleCase runconfig onto a RunConfiguration: ArgumentVector[0]
// becomes the script and the rest the arguments; Target, Framework, EnvironmentVariables
// (into environment.environmentVariables), CondaDependenciesFile, PrepareEnvironment and
// TrackedRun (history.outputCollection) are mapped; SparkDependenciesFile and the paired
// <Target>.compute file are merged when present. azureml-core 1.50 ignores all of these.
func (d *rcDecoder) decodeLegacy(root *yaml.Node) *RunConfiguration {
	rc := New()
	var sparkFile string
	d.warnf("legacy Azure ML Workbench runconfig: TitleCase keys mapped onto the 1.50 fields")
	d.fields(root, "", func(k, raw string, v *yaml.Node) bool {
		switch k {
		case "argumentvector":
			av := d.strList(v, raw)
			if len(av) > 0 {
				rc.Script = av[0]
				rc.Arguments = stringArguments(av[1:])
			}
		case "target":
			rc.Target = d.str(v, raw)
		case "framework":
			rc.Framework = d.str(v, raw)
		case "condadependenciesfile":
			rc.Environment.Python.CondaDependenciesFile = d.str(v, raw)
		case "sparkdependenciesfile":
			sparkFile = d.str(v, raw)
		case "environmentvariables":
			m := d.strMap(v, raw)
			if m == nil {
				m = map[string]string{}
			}
			rc.Environment.EnvironmentVariables = m
			setOrder(&rc.Environment.keyOrder, "environmentVariables", v)
		case "prepareenvironment", "autoprepareenvironment":
			rc.AutoPrepareEnvironment = d.optBool(v, raw)
		case "trackedrun":
			rc.History.OutputCollection = d.boolean(v, raw, true)
		case "usesampling":
			d.warnf("ignored Workbench key %s (data preparation sampling has no azureml equivalent)", raw)
		default:
			return false
		}
		return true
	})
	if !d.resolve {
		return rc
	}
	base := d.legacyBaseDir()
	saved := d.baseDir
	d.baseDir = base
	defer func() { d.baseDir = saved }()
	if rc.Environment.Python.CondaDependenciesFile != "" {
		d.loadConda(&rc.Environment, nil, nil, "environment")
	}
	if sparkFile != "" {
		d.mergeSparkDependencies(rc, d.resolvePath(sparkFile))
	}
	if rc.Target != "" && d.fileDir != "" {
		d.mergeLegacyCompute(rc, filepath.Join(d.fileDir, rc.Target+".compute"))
	}
	return rc
}

// mergeSparkDependencies merges a Workbench spark_dependencies.yml.
func (d *rcDecoder) mergeSparkDependencies(rc *RunConfiguration, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		d.warnf("Workbench spark dependencies file %s not read: %v", path, err)
		return
	}
	root, err := parseDocument(data, "spark dependencies file "+path)
	if err != nil {
		d.warnf("%v", err)
		return
	}
	where := filepath.Base(path)
	d.fields(root, where, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(where, raw)
		switch k {
		case "configuration":
			if m, ok := generic(v).(map[string]any); ok {
				for key, val := range m {
					rc.Spark.Configuration[key] = val
				}
			} else if !isNull(v) {
				d.fail(q, "expected a mapping")
			}
		case "repositories":
			if l := d.strList(v, q); l != nil {
				rc.Environment.Spark.Repositories = l
			}
		case "packages":
			if l := d.sparkPackages(v, q); l != nil {
				rc.Environment.Spark.Packages = l
			}
		default:
			return false
		}
		return true
	})
}

// mergeLegacyCompute merges a Workbench <target>.compute file.
func (d *rcDecoder) mergeLegacyCompute(rc *RunConfiguration, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		d.warnf("Workbench compute file %s not found; its settings were not applied", path)
		return
	}
	root, err := parseDocument(data, "compute file "+path)
	if err != nil {
		d.warnf("%v", err)
		return
	}
	where := filepath.Base(path)
	d.fields(root, where, func(k, raw string, v *yaml.Node) bool {
		q := joinPath(where, raw)
		switch k {
		case "type":
			switch t := d.str(v, q); t {
			case "localdocker", "remotedocker":
				rc.Environment.Docker.Enabled = true
				rc.Docker.UseDocker = true
			case "local", "cluster", "":
			default:
				d.warnf("unknown Workbench compute type %q in %s", t, path)
			}
		case "basedockerimage":
			rc.Environment.Docker.BaseImage = d.str(v, q)
		case "nvidiadocker":
			rc.Environment.Docker.GPUSupport = d.optBool(v, q)
		case "sharedvolumes":
			b := d.boolean(v, q, true)
			rc.Environment.Docker.SharedVolumes = b
			rc.Docker.SharedVolumes = b
		case "usermanagedenvironment":
			rc.Environment.Python.UserManagedDependencies = d.boolean(v, q, false)
		case "pythonlocation":
			rc.Environment.Python.InterpreterPath = d.str(v, q)
		case "yarndeploymode":
			rc.HDI.YarnDeployMode = d.str(v, q)
		case "address", "username", "password", "privatekey", "nativeshareddirectory", "sparksubmitlocation":
			// Attach information of the compute target itself, not part of a run configuration.
		default:
			return false
		}
		return true
	})
}
