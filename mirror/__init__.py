"""mirrorcode: rebuild a real command-line program from its behaviour alone."""

from mirror.specs.targets import SpecError, Target, all_targets, get_target, load_target

__all__ = ["SpecError", "Target", "all_targets", "get_target", "load_target"]
