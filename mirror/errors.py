"""The error hierarchy: every fault the user should see as one clear line, and whose it is."""

from __future__ import annotations


class MirrorError(Exception):
    """A fault reported to the user as one line: what is wrong and what to do about it."""


class UserError(MirrorError):
    """Bad input from the user: a target or suite file, a name, an argument, a results folder."""


class HarnessError(MirrorError):
    """The harness failed (the engine, an image, a box): never the candidate's fault."""
