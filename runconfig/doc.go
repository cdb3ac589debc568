// Package runconfig mirrors azureml-core's RunConfiguration, Environment and ScriptRunConfig
// (SDK v1, version 1.50) and reads and writes their `.runconfig` files.
//
// # Files
//
// [Load] accepts every on-disk generation seen in real projects: the 1.0.x commented YAML in
// aml_config/, the 1.2x-1.50 layout in .azureml/, JSON files (JSON is YAML), hand-written
// partial files, and the 2017-2018 Azure ML Workbench TitleCase files (ArgumentVector, Target,
// Framework, CondaDependenciesFile, ...), which azureml-core 1.50 can no longer read and which
// this package maps onto the current fields. Keys are matched in any case (camelCase,
// snake_case, TitleCase), except the user keys of environment-variable maps. Unknown keys are
// ignored and reported through [LoadOptions].OnWarning.
//
// Like 1.50, a section missing from the file keeps New's defaults, and a key missing inside
// a present section gets that section's deserialization default: environment name/version
// null, environmentVariables {}, docker shmSize null, no conda specification unless the
// file has condaDependenciesFile or an inline condaDependencies. Explicit nulls stay null
// where the Go field can hold null (strings, pointers, slices, maps); a null for a plain int
// or bool keeps the default. The key order of maps read from a file is kept when writing.
//
// [RunConfiguration.Save] writes the 1.50 layout byte for byte (no comments), plus the conda
// file next to it, following 1.50's placement rules.
//
// Script arguments keep their type as in azureml-core: RunConfiguration.Arguments and
// ScriptRunConfig.Arguments are []any holding strings, Go integers, float64 and bool
// ([RunConfiguration.Validate] rejects anything else). ["--epochs", 3] is written as
// ["--epochs", 3] in JSON and as "- 3" in YAML, while the string "3" stays "3" / '3'; loading
// gives back int, float64, bool and string. The script receives [ArgumentStrings], Python's
// str() of each argument (3 → "3", 1.0 → "1.0", true → "True").
//
// Known differences from azureml-core: long plain strings are not folded at 80 columns as
// ruamel does (the YAML reads back the same); YAML 1.1 booleans such as yes/no are quoted;
// a float argument read from YAML is rewritten in Python's repr form (1.50 → 1.5), where
// ruamel keeps the original spelling.
//
// # JSON
//
// [RunConfiguration.MarshalJSON] (and [RunConfiguration.JSON]) give exactly azureml's
// repr(run_config): json.dumps(indent=4) of the camelCase dictionary with the conda
// specification inline. This is the form the service receives as the run definition.
//
// # Secrets
//
// The only secret is the container registry password
// (Environment.Docker.BaseImageRegistry.Password, of type [Secret]). It never appears in
// String(), in %v output or in error messages. Like azureml-core, it IS written by
// MarshalJSON/JSON (the service form) and by Save (the .runconfig YAML). Use
// [RunConfiguration.Redacted] before storing or logging a definition.
package runconfig
