"""Exceptions of the amlgo azureml shim (names as in azureml-core's azureml.exceptions)."""


class AzureMLException(Exception):
    """Base class of the azureml exceptions."""

    def __init__(self, exception_message="", inner_exception=None, **kwargs):
        Exception.__init__(self, exception_message)
        self.message = exception_message
        self.inner_exception = inner_exception

    def __str__(self):
        return str(self.message)


class UserErrorException(AzureMLException):
    """A call was made with invalid arguments."""


class RunEnvironmentException(AzureMLException):
    """There is no submitted run to load (Run.get_context(allow_offline=False) outside a run)."""

    def __init__(self, exception_message=None, **kwargs):
        if exception_message is None:
            exception_message = (
                "Could not load a submitted run, if outside of an execution context, use "
                "experiment.start_logging to initialize an azureml.core.Run.")
        AzureMLException.__init__(self, exception_message, **kwargs)


class ExperimentExecutionException(AzureMLException):
    """An experiment could not be executed."""


class AmlgoShimUnsupportedError(UserErrorException, NotImplementedError):
    """The call needs the Azure ML service, which the amlgo run-context shim does not talk to."""

    def __init__(self, what, hint=None):
        msg = ("{} is not available in amlgo's azureml run-context shim: it needs the Azure ML "
               "service.").format(what)
        if hint:
            msg += " " + hint
        UserErrorException.__init__(self, msg)


def _unsupported(what, hint=None):
    raise AmlgoShimUnsupportedError(what, hint)
