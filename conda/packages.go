package conda

import (
	"regexp"
	"strings"
)

// Package-name helpers with azureml's exact (regex) semantics.

var (
	// _get_package_name: re.split(r"[\[=|<|>|~|!]", value)[0]
	nameSep = "[=|<>~!"
	// _get_package_name_with_extras: re.split("[=|<|>|~|!]", value)[0]
	nameWithExtrasSep = "=|<>~!"
	// VERSION_REGEX = r'(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$'
	versionRegex = regexp.MustCompile(`\p{Nd}+\.\p{Nd}+(?:\.\p{Nd}+)?(?:[ab]\p{Nd}+)?$`)
)

// packageName is CondaDependencies._get_package_name.
func packageName(value string) string {
	if strings.HasSuffix(value, ".whl") {
		file := value[strings.LastIndex(value, "/")+1:]
		return strings.SplitN(file, "-", 2)[0]
	}
	if i := strings.IndexAny(value, nameSep); i >= 0 {
		return value[:i]
	}
	return value
}

// packageNameWithExtras is CondaDependencies._get_package_name_with_extras.
func packageNameWithExtras(value string) string {
	if i := strings.IndexAny(value, nameWithExtrasSep); i >= 0 {
		return value[:i]
	}
	return value
}

// isPythonPackage reports whether a conda entry pins the python package
// itself (not python-dateutil and friends).
func isPythonPackage(s string) bool {
	return strings.HasPrefix(s, pythonPrefix) && packageName(s) == pythonPrefix
}

// versionOf is CondaDependencies._get_version: VERSION_REGEX.search(v).
// Python's '$' also matches before a trailing newline.
func versionOf(s string) (string, bool) {
	if m := versionRegex.FindString(s); m != "" {
		return m, true
	}
	if strings.HasSuffix(s, "\n") {
		if m := versionRegex.FindString(s[:len(s)-1]); m != "" {
			return m, true
		}
	}
	return "", false
}

func isOption(s string) bool { return strings.HasPrefix(s, "-") }

// firstField is Python's s.split()[0] ("" when s has no fields).
func firstField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
