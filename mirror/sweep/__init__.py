"""Sweeps: every (target, model, epoch) one agent run, as Ray tasks on nodes with Docker.

``run_sweep(plan, results)`` runs a sweep on Ray on this machine, or on a cluster (``address``);
``mirror sweep`` and ``mirror worker`` are its command-line face. Exports load lazily, so
importing the package does not import Ray.
"""

from mirror._lazy import lazy_exports

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

__getattr__ = lazy_exports(__name__, _EXPORTS)
