"""The error hierarchy: every fault the user should see as one clear line, and whose it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class MirrorError(Exception):
    """A fault reported to the user as one line: what is wrong and what to do about it."""


class UserError(MirrorError):
    """Bad input from the user: a target or suite file, a name, an argument, a results folder."""


class HarnessError(MirrorError):
    """The harness failed (the engine, an image, a box): never the candidate's fault."""


def field_problems(error: ValidationError) -> str:
    """A pydantic error as one line: ``field 'a.b': message`` per problem, joined by ``; `` (a
    model's own check, which has no field, speaks for itself)."""
    return "; ".join(
        f"field '{'.'.join(map(str, issue['loc']))}': {issue['msg']}"
        if issue["loc"]
        else issue["msg"]
        for issue in error.errors()
    )
