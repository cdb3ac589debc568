package conda

// Editing methods, ported from azureml-core 1.50's CondaDependencies.

func malformed(format string, args ...any) error {
	return newError(ErrMalformed, format, args...)
}

// depsForEdit returns the dependencies list for appending; created says
// whether the key is absent.
func (d *Dependencies) depsForEdit() (deps *cseq, present bool, err error) {
	v, ok := d.root().get(keyDependencies)
	if !ok {
		return nil, false, nil
	}
	s, ok := v.(*cseq)
	if !ok {
		return nil, true, malformed("dependencies is not a list")
	}
	return s, true, nil
}

// removeFromList is CondaDependencies._remove_from_list: a loaded
// (commented) list drops matching items while iterating (skipping the item
// after each removal, as azureml does); a plain list drops the first match.
func removeFromList(s *cseq, v any) {
	if s.plain {
		for i, it := range s.items {
			if pyEqual(it, v) {
				s.del(i)
				return
			}
		}
		return
	}
	for i := 0; i < len(s.items); i++ {
		if pyEqual(s.items[i], v) {
			s.del(i)
		}
	}
}

// pipDicts returns every {pip: ...} mapping in dependencies.
func (d *Dependencies) pipDicts() []*cmap {
	deps, _ := d.dependencies()
	if deps == nil {
		return nil
	}
	var out []*cmap
	for _, it := range deps.items {
		if m, ok := it.(*cmap); ok && m.index(keyPip) >= 0 {
			out = append(out, m)
		}
	}
	return out
}

func pipListOf(m *cmap) (*cseq, error) {
	v, _ := m.get(keyPip)
	s, ok := v.(*cseq)
	if !ok {
		return nil, malformed("pip entry is not a list")
	}
	return s, nil
}

// checkPipScan fails where azureml's pip helpers raise TypeError or
// AttributeError: a non-string scalar among the dependencies ('pip' in 3),
// a pip value that is not a list, or a non-string pip entry.
func (d *Dependencies) checkPipScan() error {
	deps, _ := d.dependencies()
	if deps == nil {
		return nil
	}
	for _, it := range deps.items {
		switch x := it.(type) {
		case *pyScalar:
			return malformed("dependencies entry %q is not a string", x.text)
		case *cmap:
			if x.index(keyPip) < 0 {
				continue
			}
			v, _ := x.get(keyPip)
			if _, scalar := v.(*pyScalar); scalar {
				return malformed("pip entry is not a list")
			}
			for _, p := range pyIter(v) {
				if _, ok := p.(string); !ok {
					return malformed("pip entry is not a string")
				}
			}
		}
	}
	return nil
}

// appendNewPipDict is the `pip_obj = {PIP: [item]}` branch.
func (d *Dependencies) appendNewPipDict(item string) error {
	pip := newMap()
	list := newSeq()
	list.append(item)
	pip.set(keyPip, list)
	deps, present, err := d.depsForEdit()
	if err != nil {
		return err
	}
	if present {
		deps.append(pip)
		return nil
	}
	top := newSeq()
	top.append(pip)
	d.root().set(keyDependencies, top)
	return nil
}

// SetPythonVersion replaces the python entry in place (keeping its
// comments) or appends python=<version>, set_python_version.
func (d *Dependencies) SetPythonVersion(version string) error {
	return d.setPythonVersion(version, true)
}

func (d *Dependencies) setPythonVersion(version string, valid bool) error {
	deps, present, err := d.depsForEdit()
	if err != nil {
		return err
	}
	if present {
		if i, ok := d.pythonIndex(); ok {
			if d.pythonVersionSet != valid || d.pythonVersion != version {
				if !valid {
					return malformed("cannot set python version None")
				}
				deps.items[i] = pythonPrefix + "=" + version
			}
		} else {
			if !valid {
				return malformed("cannot set python version None")
			}
			deps.append(pythonPrefix + "=" + version)
		}
	} else {
		if !valid {
			return malformed("cannot set python version None")
		}
		top := newSeq()
		top.append(pythonPrefix + "=" + version)
		d.root().set(keyDependencies, top)
	}
	d.pythonVersion, d.pythonVersionSet = version, valid
	return nil
}

// AddCondaPackage appends a conda package, add_conda_package. A python
// package sets the python version instead; an exact duplicate is a no-op;
// "numpy=1.21" does not replace "numpy".
func (d *Dependencies) AddCondaPackage(pkg string) error {
	deps, present, err := d.depsForEdit()
	if err != nil {
		if v, _ := d.root().get(keyDependencies); pyContains(v, pkg) {
			return nil // `pkg not in deps` is false: nothing to do
		}
		return err
	}
	if !present {
		top := newSeq()
		top.append(pkg)
		d.root().set(keyDependencies, top)
		return nil
	}
	if deps.contains(pkg) {
		return nil
	}
	if isPythonPackage(pkg) {
		v, ok := versionOf(pkg)
		if err := d.setPythonVersion(v, ok); err != nil {
			if !ok {
				return newError(ErrInvalidPythonVersion, "cannot add %s: it pins no exact python version", pkg)
			}
			return err
		}
		return nil
	}
	deps.append(pkg)
	return nil
}

// RemoveCondaPackage removes a conda package matching pkg exactly,
// remove_conda_package. Removing python fails with ErrRemovePython.
func (d *Dependencies) RemoveCondaPackage(pkg string) error {
	deps, present, err := d.depsForEdit()
	if err != nil {
		if v, _ := d.root().get(keyDependencies); !pyContains(v, pkg) {
			return nil
		}
		if isPythonPackage(pkg) {
			return ErrRemovePython
		}
		return err
	}
	if !present || !deps.contains(pkg) {
		return nil
	}
	if isPythonPackage(pkg) {
		return ErrRemovePython
	}
	removeFromList(deps, pkg)
	return nil
}

// AddPipPackage adds a pip package, add_pip_package: an entry with the
// same package name is removed first and the package is appended at the
// end of the pip list (a "- pip:" item is created at the end of
// dependencies when missing). Options (starting with '-') are rejected.
func (d *Dependencies) AddPipPackage(pkg string) error {
	if isOption(pkg) {
		return newError(ErrInvalidPackageName, "Invalid package name %s", pkg)
	}
	if err := d.checkPipScan(); err != nil {
		return err
	}
	if err := d.RemovePipPackage(pkg); err != nil {
		return err
	}
	dicts := d.pipDicts()
	if len(dicts) == 0 {
		return d.appendNewPipDict(pkg)
	}
	for _, p := range d.PipPackages() {
		if p == pkg {
			return nil
		}
	}
	for _, m := range dicts {
		list, err := pipListOf(m)
		if err != nil {
			return err
		}
		list.append(pkg)
	}
	return nil
}

// RemovePipPackage removes the pip package with the same name as pkg,
// remove_pip_package.
func (d *Dependencies) RemovePipPackage(pkg string) error {
	if isOption(pkg) {
		return newError(ErrInvalidPackageName, "Invalid package name %s", pkg)
	}
	if err := d.checkPipScan(); err != nil {
		return err
	}
	current := d.PipPackages()
	target := packageName(pkg)
	found := false
	for _, p := range current {
		if p == pkg || packageName(p) == target {
			found = true
			break
		}
	}
	if !found {
		return nil
	}
	return removeLastPipEntry(d.pipDicts(), func(s string) bool { return packageName(s) == target })
}

// SetPipOption adds a pip option such as "--extra-index-url <url>",
// set_pip_option: an option with the same flag is replaced in place,
// otherwise the option is appended to the pip list.
func (d *Dependencies) SetPipOption(option string) error {
	if !isOption(option) {
		return newError(ErrInvalidPipOption, "Invalid pip option %s", option)
	}
	if err := d.checkPipScan(); err != nil {
		return err
	}
	dicts := d.pipDicts()
	if len(dicts) == 0 {
		return d.appendNewPipDict(option)
	}
	flag := firstField(option)
	exists := false
	for _, o := range d.PipOptions() {
		if firstField(o) == flag {
			exists = true
		}
	}
	for _, m := range dicts {
		list, err := pipListOf(m)
		if err != nil {
			return err
		}
		if !exists {
			list.append(option)
			continue
		}
		for i, it := range list.items {
			if s, ok := scalarText(it); ok && firstField(s) == flag {
				list.items[i] = option
			}
		}
	}
	return nil
}

// RemovePipOption removes the pip option with the same flag,
// remove_pip_option.
func (d *Dependencies) RemovePipOption(option string) error {
	if !isOption(option) {
		return newError(ErrInvalidPipOption, "Invalid pip option %s", option)
	}
	if err := d.checkPipScan(); err != nil {
		return err
	}
	dicts := d.pipDicts()
	if len(dicts) == 0 {
		return nil
	}
	flag := firstField(option)
	exists := false
	for _, o := range d.PipOptions() {
		if firstField(o) == flag {
			exists = true
		}
	}
	if !exists {
		return nil
	}
	return removeLastPipEntry(dicts, func(s string) bool { return firstField(s) == flag })
}

// removeLastPipEntry removes, from each "- pip:" list, the last entry that match accepts (as
// azureml's remove_pip_package and remove_pip_option do).
func removeLastPipEntry(dicts []*cmap, match func(string) bool) error {
	for _, m := range dicts {
		v, _ := m.get(keyPip)
		var toRemove any
		for _, it := range pyIter(v) {
			if s, ok := scalarText(it); ok && match(s) {
				toRemove = it
			}
		}
		if s, _ := scalarText(toRemove); s != "" {
			list, err := pipListOf(m)
			if err != nil {
				return err
			}
			removeFromList(list, toRemove)
		}
	}
	return nil
}

// SetPipIndexURL sets the pip index option, set_pip_index_url; pass the
// whole option, for example "--index-url https://example.org/simple".
func (d *Dependencies) SetPipIndexURL(indexURL string) error {
	return d.SetPipOption(indexURL)
}

// AddChannel appends a conda channel unless present, add_channel; a
// channels key is created at the end of the document if absent.
func (d *Dependencies) AddChannel(channel string) error {
	v, ok := d.root().get(keyChannels)
	if !ok {
		list := newSeq()
		list.append(channel)
		d.root().set(keyChannels, list)
		return nil
	}
	list, isList := v.(*cseq)
	if _, scalar := v.(*pyScalar); scalar {
		return malformed("channels is not a list")
	}
	if !isList {
		if pyContains(v, channel) {
			return nil
		}
		return malformed("channels is not a list")
	}
	if !list.contains(channel) {
		list.append(channel)
	}
	return nil
}

// RemoveChannel removes a conda channel, remove_channel.
func (d *Dependencies) RemoveChannel(channel string) error {
	v, ok := d.root().get(keyChannels)
	if !ok {
		return nil
	}
	list, isList := v.(*cseq)
	if _, scalar := v.(*pyScalar); scalar {
		return malformed("channels is not a list")
	}
	if !isList {
		if !pyContains(v, channel) {
			return nil
		}
		return malformed("channels is not a list")
	}
	if list.contains(channel) {
		removeFromList(list, channel)
	}
	return nil
}
