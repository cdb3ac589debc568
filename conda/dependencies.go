package conda

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Top-level keys of a conda environment specification.
const (
	keyName         = "name"
	keyChannels     = "channels"
	keyDependencies = "dependencies"
	keyPip          = "pip"
	pythonPrefix    = "python"
)

var validKeys = []string{"name", "channels", "dependencies", "prefix", "variables"}

// Dependencies is a conda environment specification, the counterpart of
// azureml.core.conda_dependencies.CondaDependencies. Obtain one from New,
// Create, Parse or Load; the zero value is an empty document ("{}").
type Dependencies struct {
	doc *cmap
	// pythonVersion is azureml's cached self._python_version.
	pythonVersion    string
	pythonVersionSet bool
}

// root returns the document, initialising the zero value to an empty one.
func (d *Dependencies) root() *cmap {
	if d.doc == nil {
		d.doc = &cmap{flow: flowNone}
	}
	return d.doc
}

// CreateOptions are the parameters of CondaDependencies.create.
type CreateOptions struct {
	// PipIndexURL sets "--index-url <url>" plus the PyPI extra index.
	PipIndexURL string
	// PipPackages: nil means ["azureml-defaults"]; a non-nil (even empty)
	// slice replaces the default pip packages with exactly these.
	PipPackages []string
	// CondaPackages are added after the pip block.
	CondaPackages []string
	// PythonVersion defaults to "3.8.13".
	PythonVersion string
	// PinSDKVersion (nil means true) pins the SDK's own pip packages
	// (azureml-core, azureml-defaults, azureml-sdk, ...) to "~=1.50.0".
	PinSDKVersion *bool
}

// New returns azureml's default specification, CondaDependencies().
func New() *Dependencies {
	d, err := parseText(baseTemplate)
	if err != nil {
		panic("conda: built-in template does not parse: " + err.Error())
	}
	return d
}

// Create mirrors CondaDependencies.create. A nil opts uses the defaults.
func Create(opts *CreateOptions) (*Dependencies, error) {
	var o CreateOptions
	if opts != nil {
		o = *opts
	}
	pythonVersion := o.PythonVersion
	if pythonVersion == "" {
		pythonVersion = defaultPythonVersion
	}
	pin := o.PinSDKVersion == nil || *o.PinSDKVersion
	d := New()
	if o.PipIndexURL != "" {
		if err := d.SetPipIndexURL("--index-url " + o.PipIndexURL); err != nil {
			return nil, err
		}
		if err := d.SetPipOption("--extra-index-url " + defaultSDKOrigin); err != nil {
			return nil, err
		}
	}
	if err := d.SetPythonVersion(pythonVersion); err != nil {
		return nil, err
	}
	pipPackages := o.PipPackages
	if pipPackages == nil {
		pipPackages = []string{"azureml-defaults"}
	} else {
		for _, p := range d.PipPackages() {
			if err := d.RemovePipPackage(p); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range pipPackages {
		if pin && inSDKScope(packageName(p)) {
			p = packageNameWithExtras(p) + "~=" + sdkVersion
		}
		if err := d.AddPipPackage(p); err != nil {
			return nil, err
		}
	}
	if len(o.CondaPackages) > 0 {
		for _, p := range o.CondaPackages {
			if err := d.RemoveCondaPackage(p); err != nil {
				return nil, err
			}
		}
		for _, p := range o.CondaPackages {
			if err := d.AddCondaPackage(p); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

// inSDKScope reports whether create() pins a pip package (_sdk_scope()).
func inSDKScope(name string) bool { return sdkScope[name] }

// Parse reads a specification (YAML or JSON) the way azureml reads a file:
// line endings are normalised first (universal newlines).
func Parse(data []byte) (*Dependencies, error) {
	return parseText(universalNewlines(string(data)))
}

// Load reads a specification file, CondaDependencies(conda_dependencies_file_path=path).
// Its errors name the file: "conda: <path>: <problem>" (the sentinels of Parse still match).
func Load(path string) (*Dependencies, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conda: reading %s: %w", path, unwrapPathError(err))
	}
	d, err := Parse(data)
	if err != nil {
		return nil, inFile(path, err)
	}
	return d, nil
}

// unwrapPathError drops the *fs.PathError's own "open <path>: " when the message names the
// path anyway; errors.Is still sees the underlying error (fs.ErrNotExist...).
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// inFile puts the file name into a parse error's message: "conda: <path>: <problem>".
func inFile(path string, err error) error {
	return &fileError{msg: "conda: " + path + ": " + strings.TrimPrefix(err.Error(), "conda: "), err: err}
}

// fileError is an error of the file it names; it unwraps to the error of its content.
type fileError struct {
	msg string
	err error
}

func (e *fileError) Error() string { return e.msg }
func (e *fileError) Unwrap() error { return e.err }

// maxRoundTrips bounds the stability check of parseText.
const maxRoundTrips = 4

func parseText(text string) (*Dependencies, error) {
	d, err := parseDocument(text)
	if err != nil {
		return nil, err
	}
	// azureml's writer (ruamel.yaml) has bugs: for some inputs it needs
	// explicit tags, writes YAML that does not load again, or changes
	// values. Accept a document only if writing and re-reading keeps its
	// data and reaches a fixed point, so that whatever Parse accepts can be
	// serialized and parsed again.
	cur := d
	var prev []byte
	for round := 0; ; round++ {
		out, err := cur.render()
		if err != nil {
			return nil, err
		}
		if prev != nil && string(out) == string(prev) {
			return d, nil
		}
		if round == maxRoundTrips {
			break
		}
		next, err := parseDocument(string(out))
		if err != nil || !sameData(cur.doc, next.doc) {
			break
		}
		cur, prev = next, out
	}
	return nil, newError(ErrUnsupportedYAML, "unsupported YAML: the document would not survive azureml's round trip")
}

func parseDocument(text string) (d *Dependencies, err error) {
	defer catch(&err)
	r, err := newReader(text)
	if err != nil {
		return nil, err
	}
	c := &composer{p: newParser(newScanner(r))}
	root := c.composeSingle()
	if root == nil || root.kind != mappingNode {
		if root != nil {
			// Construct anyway so that YAML-level errors surface first.
			constructValue(root)
		}
		return nil, newError(ErrInvalidStructure, "Environment error: not a valid YAML structure")
	}
	doc := constructMap(root)
	if err := validateDoc(doc); err != nil {
		return nil, err
	}
	d = &Dependencies{doc: doc}
	d.pythonVersion, d.pythonVersionSet = d.getPythonVersion()
	return d, nil
}

// validateDoc is azureml's _validate_yaml plus the failure of its
// constructor when "dependencies" cannot be iterated.
func validateDoc(doc *cmap) error {
	if err := validateKeys(doc); err != nil {
		return err
	}
	if v, ok := doc.get(keyDependencies); ok {
		if _, scalar := v.(*pyScalar); scalar {
			return malformed("dependencies is not a list")
		}
	}
	return nil
}

func validateKeys(doc *cmap) error {
	for _, k := range doc.keys {
		s := pyStr(k)
		ok := false
		for _, v := range validKeys {
			if s == v {
				ok = true
				break
			}
		}
		if !ok {
			return &wrappedError{
				msg:      fmt.Sprintf("conda: Environment error: unknown %s key in environment specification", s),
				sentinel: ErrUnknownKey,
			}
		}
	}
	return nil
}

// render emits a copy of the document the way round_trip_dump does.
func (d *Dependencies) render() (out []byte, err error) {
	defer catch(&err)
	doc := deepCopy(d.root(), map[any]any{}).(*cmap)
	r := &representer{}
	n := r.represent(doc)
	if r.err != nil {
		return nil, r.err
	}
	return []byte(emitEvents(serializeEvents(n))), nil
}

// Serialize returns the document exactly as azureml-core 1.50's
// serialize_to_string() writes it. That includes azureml's writer bugs: a
// few edits (for example removing the last channel of a "channels:  # note"
// list, which writes "[]" on a line of its own) produce text that azureml,
// and Parse, cannot read back.
func (d *Dependencies) Serialize() []byte {
	out, err := d.render()
	if err != nil {
		// Parse rejects documents that cannot be rendered and the editing
		// methods only add strings, so this cannot happen.
		panic(err)
	}
	return out
}

// String returns Serialize() as a string.
func (d *Dependencies) String() string { return string(d.Serialize()) }

// Save writes the document to path like CondaDependencies.save: path must
// name a file whose directory exists, and the document must pin python.
func (d *Dependencies) Save(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return newError(ErrInvalidPath, "Cannot save a conda environment specification file to a directory. "+
			"Please specify a fully qualified path along with the file name to save the file.")
	}
	if dir := filepath.Dir(path); dir != "." || filepath.Base(path) != path {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return newError(ErrInvalidPath, "Cannot save the conda environment specification file to an invalid path.")
		}
	}
	if err := d.Validate(); err != nil {
		return err
	}
	if err := os.WriteFile(path, d.Serialize(), 0o644); err != nil {
		return fmt.Errorf("conda: %w", err)
	}
	return nil
}

// Validate checks what azureml checks before writing a specification to a file
// (CondaDependencies._validate, called by save and save_to_file): the
// dependencies must include python, or the error is ErrNoPython.
func (d *Dependencies) Validate() error {
	if _, ok := d.pythonIndex(); !ok {
		return ErrNoPython
	}
	return nil
}

// Clone returns an independent deep copy.
func (d *Dependencies) Clone() *Dependencies {
	return &Dependencies{
		doc:              deepCopy(d.root(), map[any]any{}).(*cmap),
		pythonVersion:    d.pythonVersion,
		pythonVersionSet: d.pythonVersionSet,
	}
}

// Name returns the "name" value ("" when absent).
func (d *Dependencies) Name() string {
	v, _ := d.root().get(keyName)
	s, _ := scalarText(v)
	return s
}

// dependencies returns the "dependencies" list, if it is one.
func (d *Dependencies) dependencies() (*cseq, bool) {
	v, ok := d.root().get(keyDependencies)
	if !ok {
		return nil, false
	}
	s, ok := v.(*cseq)
	return s, ok
}

// CondaPackages returns a copy of the conda packages (including python=…),
// the conda_packages property.
func (d *Dependencies) CondaPackages() []string {
	out := []string{}
	v, _ := d.root().get(keyDependencies)
	for _, it := range pyIter(v) {
		switch x := it.(type) {
		case string:
			out = append(out, x)
		case *pyScalar:
			out = append(out, x.str)
		case *cseq:
			// Python appends a list item unless it contains "pip"; it
			// cannot be reported as a string.
		}
	}
	return out
}

// pipValue returns the value of the last {pip: ...} item (nil if none).
func (d *Dependencies) pipValue() any {
	v, _ := d.root().get(keyDependencies)
	var val any
	for _, it := range pyIter(v) {
		if m, ok := it.(*cmap); ok && m.index(keyPip) >= 0 {
			val, _ = m.get(keyPip)
		}
	}
	return val
}

func (d *Dependencies) pipEntries(options bool) []string {
	out := []string{}
	for _, it := range pyIter(d.pipValue()) {
		s, ok := scalarText(it)
		if !ok {
			continue
		}
		if isOption(s) == options {
			out = append(out, s)
		}
	}
	return out
}

// PipPackages returns a copy of the pip packages (options excluded).
func (d *Dependencies) PipPackages() []string { return d.pipEntries(false) }

// PipOptions returns a copy of the pip options (entries starting with '-').
func (d *Dependencies) PipOptions() []string { return d.pipEntries(true) }

// Channels returns a copy of the conda channels.
func (d *Dependencies) Channels() []string {
	out := []string{}
	v, _ := d.root().get(keyChannels)
	for _, it := range pyIter(v) {
		if s, ok := scalarText(it); ok {
			out = append(out, s)
		}
	}
	return out
}

// PythonVersion returns the pinned python version, get_python_version():
// "" when the python entry has no exact version (for example python=3.7.*)
// or there is no python entry.
func (d *Dependencies) PythonVersion() string {
	v, _ := d.getPythonVersion()
	return v
}

func (d *Dependencies) getPythonVersion() (string, bool) {
	v, _ := d.root().get(keyDependencies)
	for _, it := range pyIter(v) {
		if s, ok := it.(string); ok && isPythonPackage(s) {
			return versionOf(s)
		}
	}
	return "", false
}

// pythonIndex is _has_python_package.
func (d *Dependencies) pythonIndex() (int, bool) {
	deps, _ := d.dependencies()
	if deps == nil {
		return -1, false
	}
	for i, it := range deps.items {
		if s, ok := it.(string); ok && isPythonPackage(s) {
			return i, true
		}
	}
	return -1, false
}
