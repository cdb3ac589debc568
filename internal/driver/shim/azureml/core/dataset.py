"""Minimal azureml.core.Dataset: every operation needs the service and raises."""
from azureml.exceptions import _unsupported

_HINT = ("Pass data to the script as a path argument or through the snapshot, or read "
         "Run.get_context().input_datasets (filled from AZUREML_DATAREFERENCE_<name>).")


class _TabularFactory(object):
    @staticmethod
    def from_delimited_files(path, *args, **kwargs):
        _unsupported("Dataset.Tabular.from_delimited_files", _HINT)

    @staticmethod
    def from_parquet_files(path, *args, **kwargs):
        _unsupported("Dataset.Tabular.from_parquet_files", _HINT)

    @staticmethod
    def from_json_lines_files(path, *args, **kwargs):
        _unsupported("Dataset.Tabular.from_json_lines_files", _HINT)

    @staticmethod
    def from_sql_query(query, *args, **kwargs):
        _unsupported("Dataset.Tabular.from_sql_query", _HINT)


class _FileFactory(object):
    @staticmethod
    def from_files(path, *args, **kwargs):
        _unsupported("Dataset.File.from_files", _HINT)


class Dataset(object):
    """azureml.core.Dataset stand-in."""

    Tabular = _TabularFactory
    File = _FileFactory

    @staticmethod
    def get_by_name(workspace, name, version="latest"):
        _unsupported("Dataset.get_by_name", _HINT)

    @staticmethod
    def get_by_id(workspace, id):
        _unsupported("Dataset.get_by_id", _HINT)

    @staticmethod
    def get_all(workspace):
        _unsupported("Dataset.get_all", _HINT)
