"""The agent side of mirrorcode, on Inspect AI: the ``mirror`` sandbox, the task, the scorer.

``from scaffold import mirrorcode``; ``inspect eval mirrorcode/mirrorcode --model M -T
targets=jq``. Exports load lazily, so importing the package does not import Inspect.
"""

from mirror._lazy import lazy_exports

_EXPORTS = {
    "mirrorcode": "scaffold._task",
    "mirror_agent": "scaffold._task",
    "heldout": "scaffold._scorer",
    "run_visible_tests": "scaffold._tools",
    "MirrorSandbox": "scaffold._sandbox",
    "MirrorSandboxConfig": "scaffold._sandbox",
    "Call": "scaffold._script",
    "playbook": "scaffold._script",
    "scripted_model": "scaffold._script",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
