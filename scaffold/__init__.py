"""The agent side of mirrorcode, on Inspect AI: the ``mirror`` sandbox, the task, the scorer.

``from scaffold import mirrorcode``; ``inspect eval mirrorcode/mirrorcode --model M -T
targets=jq``. Exports load lazily, so importing the package does not import Inspect.
"""

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


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        module = __import__(_EXPORTS[name], fromlist=[name])
        return getattr(module, name)
    raise AttributeError(f"module 'scaffold' has no attribute {name!r}")
