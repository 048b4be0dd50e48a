"""The memorization screen: can a model recite a target's source, and does that explain its
solves? Sources (sources.py), functions (extract.py), similarity (similarity.py), the baseline
band (baseline.py), the verdicts (screen.py) and their join with solve rates (join.py).

Exports load lazily, so importing the package does not import tree-sitter or scipy.
"""

from mirror._lazy import lazy_exports

_EXPORTS = {
    "Source": "mirror.memorization.sources",
    "Manifest": "mirror.memorization.sources",
    "target_source": "mirror.memorization.sources",
    "Function": "mirror.memorization.extract",
    "functions": "mirror.memorization.extract",
    "sample": "mirror.memorization.extract",
    "Similarity": "mirror.memorization.similarity",
    "similarity": "mirror.memorization.similarity",
    "Band": "mirror.memorization.baseline",
    "baseline_programs": "mirror.memorization.baseline",
    "ScreenRecord": "mirror.memorization.screen",
    "prepare": "mirror.memorization.screen",
    "read_records": "mirror.memorization.screen",
    "screen_records": "mirror.memorization.screen",
    "write_records": "mirror.memorization.screen",
    "run_screen": "mirror.memorization.run",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
