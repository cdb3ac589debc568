package sparksubmit

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ErrInvalid is returned for a submission that spark-submit would reject or misread.
var ErrInvalid = errors.New("sparksubmit: invalid submission")

// Package is a Maven package for --packages.
type Package struct {
	Group, Artifact, Version string
}

// Coordinate is the package as spark-submit's --packages takes it: group:artifact:version.
func (p Package) Coordinate() string { return p.Group + ":" + p.Artifact + ":" + p.Version }

// Submission is one spark-submit invocation.
type Submission struct {
	// SparkSubmit is the spark-submit executable (default "spark-submit").
	SparkSubmit string
	// Master is --master: "local[*]", "yarn", "spark://host:port".
	Master string
	// DeployMode is --deploy-mode: "client" or "cluster" ("" leaves it out: client).
	DeployMode string
	// Name is --name.
	Name string
	// Conf holds --conf key=value settings; they are passed sorted by key.
	Conf map[string]string
	// Repositories and Packages are --repositories and --packages.
	Repositories []string
	Packages     []Package
	// PyFiles and Archives are --py-files and --archives (archives as path#alias).
	PyFiles  []string
	Archives []string
	// Script is the Python application; Args its arguments.
	Script string
	Args   []string
}

var (
	mavenPart  = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)
	confKey    = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]]+$`)
	deployMode = map[string]bool{"": true, "client": true, "cluster": true}
)

// Argv validates s and returns spark-submit's command line.
func (s Submission) Argv() ([]string, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if s.Master == "" {
		bad("no master")
	}
	if !deployMode[s.DeployMode] {
		bad("deploy mode %q is neither client nor cluster", s.DeployMode)
	}
	if s.Script == "" {
		bad("no application script")
	}
	keys := make([]string, 0, len(s.Conf))
	for k := range s.Conf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !confKey.MatchString(k) {
			bad("configuration key %q is not a Spark property name", k)
		}
		if strings.ContainsAny(s.Conf[k], "\n\x00") {
			bad("configuration %s has a newline or NUL in its value", k)
		}
	}
	var coords []string
	for _, p := range s.Packages {
		if !mavenPart.MatchString(p.Group) || !mavenPart.MatchString(p.Artifact) || !mavenPart.MatchString(p.Version) {
			bad("package %q needs a group, an artifact and a version of letters, digits, '.', '-' and '_'", p.Coordinate())
			continue
		}
		coords = append(coords, p.Coordinate())
	}
	for _, r := range s.Repositories {
		if r == "" || strings.ContainsAny(r, ", \n") {
			bad("repository %q is empty or has a comma or blank", r)
		}
	}
	for _, list := range [][]string{s.PyFiles, s.Archives} {
		for _, f := range list {
			if f == "" || strings.Contains(f, ",") {
				bad("file %q is empty or has a comma", f)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	bin := s.SparkSubmit
	if bin == "" {
		bin = "spark-submit"
	}
	argv := []string{bin, "--master", s.Master}
	if s.DeployMode != "" {
		argv = append(argv, "--deploy-mode", s.DeployMode)
	}
	if s.Name != "" {
		argv = append(argv, "--name", s.Name)
	}
	for _, k := range keys {
		argv = append(argv, "--conf", k+"="+s.Conf[k])
	}
	if len(s.Repositories) > 0 {
		argv = append(argv, "--repositories", strings.Join(s.Repositories, ","))
	}
	if len(coords) > 0 {
		argv = append(argv, "--packages", strings.Join(coords, ","))
	}
	if len(s.PyFiles) > 0 {
		argv = append(argv, "--py-files", strings.Join(s.PyFiles, ","))
	}
	if len(s.Archives) > 0 {
		argv = append(argv, "--archives", strings.Join(s.Archives, ","))
	}
	argv = append(argv, s.Script)
	return append(argv, s.Args...), nil
}

// ConfValue renders a run configuration's Spark setting as spark-submit reads it: strings as
// they are, booleans as true/false, numbers without exponent or trailing zeros. A nil value
// or another type is refused.
func ConfValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case nil:
		return "", fmt.Errorf("%w: the value is null", ErrInvalid)
	}
	return "", fmt.Errorf("%w: a %T value is not a Spark setting", ErrInvalid, v)
}

var appIDPattern = regexp.MustCompile(`\bapplication_\d+_\d+\b`)

// ApplicationID returns the first YARN application id in text ("" if none).
func ApplicationID(text string) string { return appIDPattern.FindString(text) }

// AMContainerID is the container of the first attempt's application master of a YARN
// application: container_<cluster>_<app>_01_000001.
func AMContainerID(appID string) (string, error) {
	if !appIDPattern.MatchString(appID) || ApplicationID(appID) != appID {
		return "", fmt.Errorf("%w: %q is not a YARN application id", ErrInvalid, appID)
	}
	return "container_" + strings.TrimPrefix(appID, "application_") + "_01_000001", nil
}
