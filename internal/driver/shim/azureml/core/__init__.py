"""amlgo run-context shim for azureml.core (stdlib only).

Inside an amlgo run (AZUREML_RUN_ID and AMLGO_RUN_DIR set), Run.get_context() returns a run that
appends records to <AMLGO_RUN_DIR>/metrics.jsonl; outside one it returns an offline run that
prints what it would have logged, like azureml-core's _OfflineRun.
"""
from azureml.core.workspace import Workspace
from azureml.core.experiment import Experiment
from azureml.core.dataset import Dataset
from azureml.core.datastore import Datastore
from azureml.core.environment import Environment
from azureml.core.model import Model
from azureml.core.run import Run

VERSION = "1.50.0"
__version__ = VERSION

__all__ = ["Dataset", "Datastore", "Environment", "Experiment", "Model", "Run", "Workspace",
           "VERSION"]
