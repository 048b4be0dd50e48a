"""The run as evidence: what an agent did and what it cost, from its transcript and query log.

Two sources, both real records of the run: Inspect's events of the sample (tool calls with their
results, model calls with their usage, compactions) and the reference box's oracle query log (one
JSON line per case the oracle ran, with its arguments and duration).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from inspect_ai.event import CompactionEvent, Event, ModelEvent, ToolEvent

from mirror.scoring.receipts import Evidence, FirstPass
from scaffold._tools import SUMMARY

log = logging.getLogger(__name__)

COMMON_SHAPES = 20  # how many of the most frequent argument shapes a receipt lists
VISIBLE_TOOL = "run_visible_tests"
# A shell or Python call that runs the visible suite itself (`oracle test` prints SUMMARY too).
ORACLE_TEST = re.compile(r"\boracle\s+test\b")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def argument_kind(value: str, files: Iterable[str]) -> str:
    """What an argument is, without its value: a file the case carries, a number, empty, text."""
    if value in files:
        return "<file>"
    if NUMBER.match(value):
        return "<num>"
    return "<empty>" if value == "" else "<text>"


def argument_shape(args: Sequence[str], files: Iterable[str] = ()) -> str:
    """An argv with its values abstracted: flags kept (``--name=value`` keeps ``--name=``), every
    other argument replaced by its kind, so queries that differ only in values share a shape."""
    files = set(files)
    shape = []
    for arg in args:
        if arg.startswith("-") and len(arg) > 1 and not NUMBER.match(arg):
            name, equals, value = arg.partition("=")
            shape.append(name + equals + argument_kind(value, files) if equals else arg)
        else:
            shape.append(argument_kind(arg, files))
    return " ".join(shape) if shape else "(no arguments)"


def read_query_log(path: Path) -> list[dict]:
    """The oracle query log's entries (none when the oracle was never asked)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _text(result: object) -> str:
    """A tool result as text (a string, or a list of content parts)."""
    if isinstance(result, str):
        return result
    if isinstance(result, list):
        return "\n".join(str(getattr(part, "text", "")) for part in result)
    return str(result)


def _runs_visible_tests(event: ToolEvent) -> bool:
    if event.function == VISIBLE_TOOL:
        return True
    source = event.arguments.get("command") or event.arguments.get("code")
    return isinstance(source, str) and ORACLE_TEST.search(source) is not None


def _full_pass(event: ToolEvent, visible_total: int) -> bool:
    """Whether the call's output reports every visible case passing (a family is not enough)."""
    if event.error is not None:
        return False
    found = SUMMARY.search(_text(event.result))
    return found is not None and int(found[1]) == visible_total > 0 and int(found[2]) == 0


def _usage(event: ModelEvent) -> int:
    usage = event.output.usage
    return usage.total_tokens if usage else 0


def summarise(
    events: Iterable[Event],
    queries: Sequence[dict],
    visible_total: int,
    started: datetime | None,
    files: dict[str, str | None],
) -> Evidence:
    """The evidence summary of a run from its events (in order) and its oracle query log.

    Tokens to the first full visible pass are those of the model calls that began before that
    tool call; its seconds count from ``started`` (the sample's start) to the call's end.
    ``files`` names the evidence files (``folder``, ``queries``, ``workspace``).
    """
    tools: Counter[str] = Counter()
    visible_runs = compactions = tokens = 0
    first: FirstPass | None = None
    for event in events:
        if isinstance(event, ModelEvent):
            tokens += _usage(event)
        elif isinstance(event, CompactionEvent):
            compactions += 1
        elif isinstance(event, ToolEvent):
            tools[event.function] += 1
            if not _runs_visible_tests(event):
                continue
            visible_runs += 1
            if first is None and _full_pass(event, visible_total):
                end = event.completed or event.timestamp
                first = FirstPass(
                    tokens=tokens,
                    seconds=(end - started).total_seconds() if started else None,
                    working_seconds=event.working_start + (event.working_time or 0.0),
                )
    shapes = Counter(
        argument_shape(query.get("args", []), query.get("files", {})) for query in queries
    )
    return Evidence.model_validate(
        {
            **files,
            "tool_calls": dict(sorted(tools.items())),
            "oracle_queries": len(queries),
            "oracle_shapes": len(shapes),
            "common_shapes": dict(shapes.most_common(COMMON_SHAPES)),
            "oracle_seconds": round(sum(float(query.get("duration", 0.0)) for query in queries), 6),
            "visible_test_runs": visible_runs,
            "compactions": compactions,
            "first_full_visible": first,
        }
    )
