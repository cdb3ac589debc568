package runconfig

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of rc (including the conda specification).
func (rc *RunConfiguration) Clone() *RunConfiguration {
	if rc == nil {
		return nil
	}
	c := *rc
	c.Arguments = slices.Clone(rc.Arguments)
	c.MaxRunDurationSeconds = clonePtr(rc.MaxRunDurationSeconds)
	c.Priority = clonePtr(rc.Priority)
	c.Environment = *rc.Environment.Clone()
	c.History.DirectoriesToWatch = slices.Clone(rc.History.DirectoriesToWatch)
	c.Spark.Configuration = cloneGenericMap(rc.Spark.Configuration)
	c.Docker.Arguments = slices.Clone(rc.Docker.Arguments)
	c.PyTorch.ProcessCount = clonePtr(rc.PyTorch.ProcessCount)
	c.ParallelTask.TerminalExitCodes = slices.Clone(rc.ParallelTask.TerminalExitCodes)
	c.DataReferences = maps.Clone(rc.DataReferences)
	if rc.Data != nil {
		c.Data = make(map[string]Data, len(rc.Data))
		for k, v := range rc.Data {
			v.DataLocation.Dataset = clonePtr(v.DataLocation.Dataset)
			v.DataLocation.DataPath = clonePtr(v.DataLocation.DataPath)
			v.DataLocation.URI = clonePtr(v.DataLocation.URI)
			v.Options = cloneGenericMap(v.Options)
			c.Data[k] = v
		}
	}
	if rc.Datacaches != nil {
		c.Datacaches = cloneGeneric(rc.Datacaches).([]any)
	}
	c.OutputData = cloneGenericMap(rc.OutputData)
	c.AmlCompute.ClusterMaxNodeCount = clonePtr(rc.AmlCompute.ClusterMaxNodeCount)
	c.EnvironmentVariables = maps.Clone(rc.EnvironmentVariables)
	c.ApplicationEndpoints = cloneGenericMap(rc.ApplicationEndpoints)
	c.AutoPrepareEnvironment = clonePtr(rc.AutoPrepareEnvironment)
	c.ContainerInstance = clonePtr(rc.ContainerInstance)
	c.keyOrder = maps.Clone(rc.keyOrder)
	return &c
}

// Clone returns a deep copy of e (including the conda specification).
func (e *Environment) Clone() *Environment {
	if e == nil {
		return nil
	}
	c := *e
	c.EnvironmentVariables = maps.Clone(e.EnvironmentVariables)
	c.keyOrder = maps.Clone(e.keyOrder)
	if e.Python.CondaDependencies != nil {
		c.Python.CondaDependencies = e.Python.CondaDependencies.Clone()
	}
	c.Docker.Arguments = slices.Clone(e.Docker.Arguments)
	c.Docker.BaseImageRegistry.RegistryIdentity = clonePtr(e.Docker.BaseImageRegistry.RegistryIdentity)
	c.Docker.GPUSupport = clonePtr(e.Docker.GPUSupport)
	c.Spark.Repositories = slices.Clone(e.Spark.Repositories)
	c.Spark.Packages = slices.Clone(e.Spark.Packages)
	d := e.Databricks
	c.Databricks.MavenLibraries = nil
	if d.MavenLibraries != nil {
		c.Databricks.MavenLibraries = make([]MavenLibrary, len(d.MavenLibraries))
		for i, l := range d.MavenLibraries {
			l.Exclusions = slices.Clone(l.Exclusions)
			c.Databricks.MavenLibraries[i] = l
		}
	}
	c.Databricks.PypiLibraries = slices.Clone(d.PypiLibraries)
	c.Databricks.RCranLibraries = slices.Clone(d.RCranLibraries)
	c.Databricks.JarLibraries = slices.Clone(d.JarLibraries)
	c.Databricks.EggLibraries = slices.Clone(d.EggLibraries)
	if e.R != nil {
		r := *e.R
		r.CRANPackages = slices.Clone(e.R.CRANPackages)
		r.GitHubPackages = slices.Clone(e.R.GitHubPackages)
		r.CustomURLPackages = slices.Clone(e.R.CustomURLPackages)
		r.BioConductorPackages = slices.Clone(e.R.BioConductorPackages)
		c.R = &r
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneGenericMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return cloneGeneric(m).(map[string]any)
}

// cloneGeneric deep-copies generic values (maps, slices, scalars).
func cloneGeneric(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneGeneric(e)
		}
		return out
	case map[any]any:
		if x == nil {
			return x
		}
		out := make(map[any]any, len(x))
		for k, e := range x {
			out[k] = cloneGeneric(e)
		}
		return out
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneGeneric(e)
		}
		return out
	case map[string]string:
		return maps.Clone(x)
	case []string:
		return slices.Clone(x)
	}
	return v
}
