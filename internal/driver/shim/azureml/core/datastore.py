"""Minimal azureml.core.Datastore: every operation needs the service and raises."""
from azureml.exceptions import _unsupported


class Datastore(object):
    """azureml.core.Datastore stand-in."""

    def __init__(self, workspace, name=None):
        _unsupported("Datastore")

    @staticmethod
    def get(workspace, datastore_name):
        _unsupported("Datastore.get")

    @staticmethod
    def get_default(workspace):
        _unsupported("Datastore.get_default")

    @staticmethod
    def register_azure_blob_container(workspace, datastore_name, container_name, account_name,
                                      *args, **kwargs):
        _unsupported("Datastore.register_azure_blob_container")

    @staticmethod
    def register_azure_file_share(workspace, datastore_name, file_share_name, account_name,
                                  *args, **kwargs):
        _unsupported("Datastore.register_azure_file_share")
