"""Inspect's entry point: importing it registers the ``mirror`` sandbox and the tasks."""

# ruff: noqa: F401  (imported for their registration side effects)

from scaffold._sandbox import MirrorSandbox
from scaffold._task import mirrorcode
from scaffold.memorization import memorization
