# amlgo run-context shim: a stdlib-only stand-in for the azureml-core package on compute
# targets driven by amlgo (github.com/amlgo/amlgo). Only what training scripts use inside a run
# is implemented; everything that needs the Azure ML service raises AmlgoShimUnsupportedError.
__path__ = __import__("pkgutil").extend_path(__path__, __name__)
