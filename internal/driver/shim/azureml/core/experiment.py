"""Minimal azureml.core.Experiment: name and workspace; submitting raises."""
import os
import re

from azureml.exceptions import UserErrorException, _unsupported

_NAME_RE = re.compile(r"^[a-zA-Z0-9][\w\-]{0,254}$")


class Experiment(object):
    """The experiment a run belongs to."""

    def __init__(self, workspace, name, _skip_name_validation=False, _id=None, **kwargs):
        if not _skip_name_validation and not _NAME_RE.match(name or ""):
            raise UserErrorException(
                "Experiment name must be 1-255 characters, start with a letter or a number, and "
                "can only contain letters, numbers, underscores, and dashes.")
        self._workspace = workspace
        self._name = name
        self._id = _id

    @classmethod
    def _from_run_env(cls, workspace):
        return cls(workspace, os.environ.get("AZUREML_ARM_PROJECT_NAME", ""),
                   _skip_name_validation=True, _id=os.environ.get("AZUREML_EXPERIMENT_ID"))

    @property
    def name(self):
        return self._name

    @property
    def workspace(self):
        return self._workspace

    @property
    def id(self):
        return self._id

    def submit(self, config, tags=None, **kwargs):
        _unsupported("Experiment.submit", "Submit runs from the amlgo SDK instead.")

    def start_logging(self, *args, **kwargs):
        _unsupported("Experiment.start_logging")

    def get_runs(self, type=None, tags=None, properties=None, include_children=False):
        _unsupported("Experiment.get_runs")

    @staticmethod
    def list(workspace, experiment_name=None, view_type=None, tags=None):
        _unsupported("Experiment.list")

    def __repr__(self):
        return "Experiment(Name: {})".format(self._name)
