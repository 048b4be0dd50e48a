"""The runner's exceptions, in a module importing nothing: the ``oracle`` command starts fast."""


class CaseError(ValueError):
    """A case or outcome record is malformed; the message names the field."""


class OracleError(RuntimeError):
    """The oracle could not be reached or refused a request."""
