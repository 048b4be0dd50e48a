"""Sweeps: every (target, model, epoch) one agent run, as Ray tasks on nodes with Docker.

``run_sweep(plan, results)`` runs a sweep on Ray on this machine, or on a cluster (``address``);
``mirror sweep`` and ``mirror worker`` are its command-line face. Exports load lazily, so
importing the package does not import Ray.
"""

_EXPORTS = {
    "SweepPlan": "mirror.sweep.plan",
    "Limits": "mirror.sweep.plan",
    "RunSpec": "mirror.sweep.plan",
    "make_plan": "mirror.sweep.plan",
    "Manifest": "mirror.sweep.manifest",
    "RunRecord": "mirror.sweep.manifest",
    "read_manifest": "mirror.sweep.manifest",
    "RESOURCE": "mirror.sweep.nodes",
    "node_slots": "mirror.sweep.nodes",
    "Progress": "mirror.sweep.sweep",
    "run_sweep": "mirror.sweep.sweep",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        module = __import__(_EXPORTS[name], fromlist=[name])
        return getattr(module, name)
    raise AttributeError(f"module 'mirror.sweep' has no attribute {name!r}")
