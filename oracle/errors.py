"""The runner's exceptions, in a module importing nothing: the ``oracle`` command starts fast.

``oracle.cli.main`` is the one place that turns them into messages: each is one line on stderr
and an exit status (2 for a bad command line, 125 for a fault of the oracle itself).
"""


class UsageError(Exception):
    """A bad command line: an unknown option, a missing or malformed value."""


class CaseError(ValueError):
    """A case or outcome record is malformed; the message names the field."""


class OracleError(RuntimeError):
    """The oracle could not be reached or refused a request."""
