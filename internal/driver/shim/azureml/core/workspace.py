"""Minimal azureml.core.Workspace: holds the scope; every service call raises."""
import os

from azureml.exceptions import _unsupported


class Workspace(object):
    """The workspace a run belongs to (name, subscription_id, resource_group only)."""

    def __init__(self, subscription_id, resource_group, workspace_name, auth=None,
                 _location=None, _disable_service_check=False, _workspace_id=None,
                 sku="basic", tags=None, _cloud="AzureCloud", **kwargs):
        self._subscription_id = subscription_id
        self._resource_group = resource_group
        self._workspace_name = workspace_name
        self._location = _location
        self._workspace_id = _workspace_id
        self._sku = sku
        self._tags = dict(tags or {})

    @classmethod
    def _from_run_env(cls):
        return cls(os.environ.get("AZUREML_ARM_SUBSCRIPTION", ""),
                   os.environ.get("AZUREML_ARM_RESOURCEGROUP", ""),
                   os.environ.get("AZUREML_ARM_WORKSPACE_NAME", ""),
                   _disable_service_check=True,
                   _workspace_id=os.environ.get("AZUREML_WORKSPACE_ID"))

    @property
    def name(self):
        return self._workspace_name

    @property
    def subscription_id(self):
        return self._subscription_id

    @property
    def resource_group(self):
        return self._resource_group

    @property
    def location(self):
        return self._location

    @property
    def sku(self):
        return self._sku

    @property
    def tags(self):
        return dict(self._tags)

    @staticmethod
    def from_config(path=None, auth=None, _logger=None, _file_name=None):
        _unsupported("Workspace.from_config", "Inside a run use Run.get_context().experiment.workspace.")

    @staticmethod
    def get(name, auth=None, subscription_id=None, resource_group=None, location=None,
            cloud="AzureCloud", id=None):
        _unsupported("Workspace.get")

    @staticmethod
    def create(name, *args, **kwargs):
        _unsupported("Workspace.create")

    @staticmethod
    def list(subscription_id, auth=None, resource_group=None):
        _unsupported("Workspace.list")

    @property
    def datastores(self):
        _unsupported("Workspace.datastores")

    @property
    def datasets(self):
        _unsupported("Workspace.datasets")

    @property
    def compute_targets(self):
        _unsupported("Workspace.compute_targets")

    @property
    def experiments(self):
        _unsupported("Workspace.experiments")

    @property
    def environments(self):
        _unsupported("Workspace.environments")

    @property
    def models(self):
        _unsupported("Workspace.models")

    def get_default_datastore(self):
        _unsupported("Workspace.get_default_datastore")

    def get_default_keyvault(self):
        _unsupported("Workspace.get_default_keyvault")

    def get_run(self, run_id):
        _unsupported("Workspace.get_run")

    def write_config(self, path=None, file_name=None):
        _unsupported("Workspace.write_config")

    def __repr__(self):
        return ("Workspace.create(name='{}', subscription_id='{}', resource_group='{}')"
                .format(self.name, self.subscription_id, self.resource_group))
