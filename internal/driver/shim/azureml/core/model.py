"""Minimal azureml.core.Model: Run.register_model returns one; service calls raise."""
from azureml.exceptions import _unsupported


class Model(object):
    """A model registration requested from inside a run (registered by the SDK afterwards)."""

    def __init__(self, workspace=None, name=None, id=None, tags=None, properties=None,
                 version=None, run_id=None, **kwargs):
        if workspace is not None and name is not None and run_id is None:
            _unsupported("Model(workspace, name)")
        self.name = name
        self.id = id
        self.version = version
        self.tags = dict(tags or {})
        self.properties = dict(properties or {})
        self.run_id = run_id
        self.workspace = workspace
        self.description = kwargs.get("description")
        self.model_framework = kwargs.get("model_framework")
        self.model_framework_version = kwargs.get("model_framework_version")
        self.url = kwargs.get("url")

    @staticmethod
    def register(workspace, model_path, model_name, *args, **kwargs):
        _unsupported("Model.register", "Use Run.register_model inside a run, or register from the amlgo SDK.")

    @staticmethod
    def get_model_path(model_name, version=None, _workspace=None):
        _unsupported("Model.get_model_path")

    @staticmethod
    def list(workspace, *args, **kwargs):
        _unsupported("Model.list")

    def __repr__(self):
        return "Model(name={!r}, version={!r}, run_id={!r})".format(self.name, self.version, self.run_id)
