"""The one place where the ``mirror`` command turns errors into messages and exit statuses.

A user's mistake (``UserError``, a bad argument, a file that cannot be read) is one line,
``error: ...``, and exit status 1 (2 for a bad command line); a fault of the harness
(``HarnessError``, the Docker engine, the oracle) is ``harness error: ...`` and exit status 3,
so that a script can tell the two apart. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
from typing import IO, Any

import click
import docker.errors
import requests.exceptions

from mirror.errors import HarnessError, MirrorError, UserError
from oracle.errors import CaseError, OracleError

log = logging.getLogger(__name__)

EXIT_USER = 1
EXIT_USAGE = 2
EXIT_HARNESS = 3


class UserFault(click.ClickException):
    """A user's mistake, shown as ``error: ...``."""

    exit_code = EXIT_USER
    prefix = "error"

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{self.prefix}: {self.format_message()}", file=file, err=file is None)


class HarnessFault(UserFault):
    """A fault of the harness, never the user's or the candidate's: ``harness error: ...``."""

    exit_code = EXIT_HARNESS
    prefix = "harness error"


class UsageFault(UserFault):
    """A bad command line, in one line that says where the usage is."""

    exit_code = EXIT_USAGE


# The Docker SDK's own errors, and the HTTP errors it lets through when the engine goes away.
HARNESS_ERRORS = (
    HarnessError,
    OracleError,
    docker.errors.DockerException,
    requests.RequestException,
)


def fault(error: BaseException) -> UserFault | None:
    """The message ``error`` is shown as, or None if it is a bug that must keep its traceback."""
    match error:
        case click.exceptions.NoArgsIsHelpError():  # the help text itself, as asked for
            return None
        case click.UsageError():
            hint = f" (see `{error.ctx.command_path} --help`)" if error.ctx else ""
            return UsageFault(error.format_message().rstrip(".") + hint)
        case UserError() | CaseError():
            return UserFault(_one_line(str(error)))
        case HarnessError() | OracleError():
            return HarnessFault(str(error))
        case docker.errors.DockerException() | requests.RequestException():
            return HarnessFault(f"the Docker engine failed: {error}")
        case MirrorError():
            return UserFault(_one_line(str(error)))
        case OSError() if error.filename is not None:
            return UserFault(f"{error.filename}: {error.strerror or error}")
        case click.ClickException() if not isinstance(error, UserFault):  # a command's verdict
            shown = UserFault(error.format_message())
            shown.exit_code = error.exit_code  # type: ignore[misc]  # click sets it per instance
            return shown
    return None


def _one_line(message: str) -> str:
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


class ReportsErrors:
    """Mixin for click commands: the errors raised while parsing or running become ``fault``s."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except click.UsageError as error:
            raise _shown(error) or error from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except (click.ClickException, MirrorError, CaseError, OSError, *HARNESS_ERRORS) as error:
            shown = _shown(error)
            if shown is None:  # a bug (its traceback is what is needed), or help asked for
                raise
            raise shown from None


def _shown(error: Exception) -> UserFault | None:
    found = fault(error)
    if isinstance(found, HarnessFault):  # `mirror -v` shows where it happened
        log.info("%s", found.message, exc_info=error)
    return found


class MirrorCommand(ReportsErrors, click.Command):
    """A ``mirror`` command that can also run on its own (tests invoke some directly)."""


class MirrorGroup(ReportsErrors, click.Group):
    """The ``mirror`` group: its commands and subgroups report errors the same way."""

    command_class = MirrorCommand
    group_class = type  # subgroups are MirrorGroups too
