package conda

// sdkVersion is the azureml-core version whose behaviour is mirrored.
const sdkVersion = "1.50.0"

// defaultPythonVersion is azureml-core 1.50's PYTHON_DEFAULT_VERSION.
const defaultPythonVersion = "3.8.13"

// defaultSDKOrigin is azureml's DEFAULT_SDK_ORIGIN.
const defaultSDKOrigin = "https://pypi.python.org/simple"

// baseTemplate is azureml/_project/base_project_files/conda_dependencies.yml
// as shipped in azureml-core 1.50. The file has CRLF line endings and is
// read in binary mode, so the carriage returns survive inside comments.
const baseTemplate = "# Conda environment specification. The dependencies defined in this file will\r\n" +
	"# be automatically provisioned for runs with userManagedDependencies=False.\r\n" +
	"\r\n" +
	"# Details about the Conda environment file format:\r\n" +
	"# https://conda.io/docs/user-guide/tasks/manage-environments.html#create-env-file-manually\r\n" +
	"\r\n" +
	"name: project_environment\r\n" +
	"dependencies:\r\n" +
	"  # The python interpreter version.\r\n" +
	"  # Currently Azure ML only supports 3.8 and later.\r\n" +
	"  - python=3.8.13\r\n" +
	"\r\n" +
	"  - pip:\r\n" +
	"    # Required packages for AzureML execution, history, and data preparation.\r\n" +
	"    - azureml-defaults\r\n" +
	"\r\n" +
	"channels:\r\n" +
	"  - anaconda\r\n" +
	"  - conda-forge\r\n"

// sdkScope is azureml/_project/azureml_sdk_scope.txt of azureml-core 1.50:
// the pip packages that create() pins to the SDK version.
var sdkScope = map[string]bool{
	"azureml-core": true, "azureml-train": true, "azureml-sdk": true, "azureml-defaults": true,
	"azureml-train-core": true, "azureml-automl-core": true, "azureml-automl-runtime": true,
	"azureml-training-tabular": true, "azureml-train-automl": true, "azureml-train-automl-client": true,
	"azureml-train-automl-runtime": true, "azureml-contrib-automl-dnn-forecasting": true,
	"azureml-automl-dnn-vision": true, "azureml-automl-dnn-nlp": true,
	"azureml-contrib-automl-pipeline-steps": true, "azureml-train-restclients-hyperdrive": true,
	"azureml-telemetry": true, "azureml-tensorboard": true, "azureml-contrib-notebook": true,
	"azureml-explain-model": true, "azureml-interpret": true, "azureml-contrib-server": true,
	"azureml-contrib-services": true, "azureml-contrib-iot": true, "azureml-contrib-run": true,
	"azureml-datadrift": true, "azureml-widgets": true, "azureml-pipeline": true,
	"azureml-pipeline-core": true, "azureml-pipeline-steps": true, "azureml-contrib-pipeline-steps": true,
	"azureml-cli-common": true, "azureml-opendatasets": true, "azureml-accel-models": true,
	"azureml-mlflow": true, "azureml-contrib-functions": true, "azureml-contrib-dataset": true,
	"azureml-contrib-reinforcementlearning": true, "azureml-contrib-mir": true,
	"azureml-contrib-fairness": true, "azureml-contrib-aisc": true, "azureml-dataset-runtime": true,
	"azureml-synapse": true, "azureml-responsibleai": true, "azureml-automl-common-tools": true,
}
