# Prints azureml-core's default images as JSON into the file named by argv[1].
import json, sys
from azureml.core.environment import DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE
json.dump({"cpu": DEFAULT_CPU_IMAGE, "gpu": DEFAULT_GPU_IMAGE}, open(sys.argv[1], "w"))
