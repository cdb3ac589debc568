"""Minimal azureml.core.Environment: what Run.get_environment() returns inside a run."""
import os
import sys

from azureml.exceptions import _unsupported


class PythonSection(object):
    """The python section of an environment."""

    def __init__(self, interpreter_path="python", user_managed_dependencies=False):
        self.interpreter_path = interpreter_path
        self.user_managed_dependencies = user_managed_dependencies
        self.conda_dependencies = None


class Environment(object):
    """azureml.core.Environment stand-in (name, version, python)."""

    def __init__(self, name, **kwargs):
        self.name = name
        self.version = None
        self.python = PythonSection()
        self.environment_variables = {}

    @classmethod
    def _from_run_env(cls):
        env = cls(os.environ.get("AMLGO_ENVIRONMENT_NAME") or None)
        env.version = os.environ.get("AMLGO_ENVIRONMENT_VERSION") or None
        env.python = PythonSection(sys.executable, True)
        return env

    @staticmethod
    def get(workspace, name, version=None, label=None):
        _unsupported("Environment.get")

    @staticmethod
    def from_conda_specification(name, file_path):
        _unsupported("Environment.from_conda_specification")

    @staticmethod
    def from_pip_requirements(name, file_path, pip_version=None):
        _unsupported("Environment.from_pip_requirements")

    def register(self, workspace):
        _unsupported("Environment.register")

    def __repr__(self):
        return "Environment(Name: {}, Version: {})".format(self.name, self.version)
