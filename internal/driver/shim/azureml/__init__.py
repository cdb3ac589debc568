# amlgo run-context shim: a stdlib-only stand-in for the azureml-core package on compute
# targets driven by amlgo (github.com/amlgo/amlgo). Only what training scripts use inside a run
# is implemented; everything that needs the Azure ML service raises AmlgoShimUnsupportedError.


def _extend_path(path, name):
    # pkgutil.extend_path without pkgutil (whose imports cost more than the rest of the shim's
    # start): every sys.path entry's <name>/ directory joins the package's path, so azureml.*
    # packages installed beside the shim (the real SDK's) stay importable.
    import os
    import sys
    out = list(path)
    for entry in sys.path:
        if not isinstance(entry, str):
            continue
        sub = os.path.join(entry or os.curdir, name)
        if sub not in out and os.path.isdir(sub):
            out.append(sub)
    return out


__path__ = _extend_path(__path__, __name__)
del _extend_path
