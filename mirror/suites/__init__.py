"""Test suites: cases with gold outcomes, built from a target's generators, checked, verified.

The format is in ``docs/suites.md``; each module holds one job (the map below). Exports load
lazily, so that reading a suite does not import Hypothesis: ``from mirror.suites import
load_suite, SuiteCase``.
"""

# ruff: noqa: F401  (the imports below are what type checkers see of the lazy exports)
from typing import TYPE_CHECKING

from mirror._lazy import lazy_exports

if TYPE_CHECKING:
    from mirror.suites.build import (
        BuildOptions,
        BuildReport,
        build_suite,
        capture,
        classify,
        draw,
        generator_versions,
        runnable,
    )
    from mirror.suites.checks import (
        LOOKUP_BOUND,
        MAX_SUITE_BYTES,
        VISIBLE_MIN,
        family_problems,
        overlap_problems,
        suite_problems,
    )
    from mirror.suites.format import (
        FORMAT_VERSION,
        REFERENCE_KEYS,
        SuiteError,
        read_manifest,
        read_suite,
        write_suite,
    )
    from mirror.suites.splitting import (
        EMPTY,
        HELDOUT_FRACTION,
        LookupTable,
        input_of,
        lookup_pass_rate,
        split,
        split_family,
        trivial,
    )
    from mirror.suites.store import Suite, heldout_dir, heldout_root, load_suite, visible_path
    from mirror.suites.verify import Drift, VerifyReport, verify_suite
    from oracle.suite import SuiteCase, case_id

_EXPORTS = {
    # the line format, shared with ``oracle test``
    "SuiteCase": "oracle.suite",
    "case_id": "oracle.suite",
    # suite files and manifests
    "FORMAT_VERSION": "mirror.suites.format",
    "REFERENCE_KEYS": "mirror.suites.format",
    "SuiteError": "mirror.suites.format",
    "read_manifest": "mirror.suites.format",
    "read_suite": "mirror.suites.format",
    "write_suite": "mirror.suites.format",
    # where a target's suites live
    "Suite": "mirror.suites.store",
    "heldout_dir": "mirror.suites.store",
    "heldout_root": "mirror.suites.store",
    "load_suite": "mirror.suites.store",
    "visible_path": "mirror.suites.store",
    # the split and the lookup table
    "EMPTY": "mirror.suites.splitting",
    "HELDOUT_FRACTION": "mirror.suites.splitting",
    "LookupTable": "mirror.suites.splitting",
    "input_of": "mirror.suites.splitting",
    "lookup_pass_rate": "mirror.suites.splitting",
    "split": "mirror.suites.splitting",
    "split_family": "mirror.suites.splitting",
    "trivial": "mirror.suites.splitting",
    # the rules a suite holds
    "LOOKUP_BOUND": "mirror.suites.checks",
    "MAX_SUITE_BYTES": "mirror.suites.checks",
    "VISIBLE_MIN": "mirror.suites.checks",
    "family_problems": "mirror.suites.checks",
    "overlap_problems": "mirror.suites.checks",
    "suite_problems": "mirror.suites.checks",
    # draw, capture, screen, split, write (imports Hypothesis)
    "BuildOptions": "mirror.suites.build",
    "BuildReport": "mirror.suites.build",
    "build_suite": "mirror.suites.build",
    "capture": "mirror.suites.build",
    "classify": "mirror.suites.build",
    "draw": "mirror.suites.build",
    "generator_versions": "mirror.suites.build",
    "runnable": "mirror.suites.build",
    # recapture and report drift
    "Drift": "mirror.suites.verify",
    "VerifyReport": "mirror.suites.verify",
    "verify_suite": "mirror.suites.verify",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
