"""mirrorcode: rebuild a real command-line program from its behaviour alone.

The public surface. Exports load lazily so that ``import mirror`` stays cheap and the inside can
move: ``from mirror import Target, score, reference_box``.
"""

from mirror._lazy import lazy_exports

_EXPORTS = {
    # target specs
    "SpecError": "mirror.specs.targets",
    "Target": "mirror.specs.targets",
    "all_targets": "mirror.specs.targets",
    "get_target": "mirror.specs.targets",
    "load_target": "mirror.specs.targets",
    # the engine, images and boxes
    "EngineError": "mirror.boxes.engine",
    "engine": "mirror.boxes.engine",
    "ImageBuildError": "mirror.boxes.images",
    "ensure_reference_image": "mirror.boxes.images",
    "ensure_agent_image": "mirror.boxes.agent_image",
    "AGENT_UID": "mirror.boxes.agent_image",
    "masks": "mirror.boxes.agent_image",
    "ReferenceBox": "mirror.boxes.containers",
    "reference_box": "mirror.boxes.containers",
    "agent_box": "mirror.boxes.containers",
    "hardened_options": "mirror.boxes.containers",
    "write_task": "mirror.boxes.task",
    # suites
    "Suite": "mirror.suites",
    "SuiteError": "mirror.suites",
    "load_suite": "mirror.suites",
    # scoring and receipts
    "ScoringError": "mirror.scoring.score",
    "score": "mirror.scoring.score",
    "Receipt": "mirror.scoring.receipts",
    "load_results": "mirror.scoring.receipts",
    # reports
    "write_report": "mirror.reports.report",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
