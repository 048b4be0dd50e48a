"""A resumed sample continues the conversation of its interrupted run.

``mirror run --resume`` (Inspect's ``eval_retry``) first recovers a killed run's log from
Inspect's sample buffer, then runs every unfinished sample again in a new log of the same task
id. Inspect's own checkpoints (``checkpoint=``) would restore the conversation, but they need
the restic Inspect pins (0.18.1), fetched from the network at run time: Debian 12's 0.14 lacks
``backup --no-scan`` and ``restore <snapshot>:<subfolder>``, and their sandbox snapshots run as
root in the box, which the mirror sandbox does not offer. So the sample's solver takes the
conversation back itself: from the newest earlier log of its task that holds the sample (the
recovered log of a killed run, the log of a cancelled one), with the run's token use so far.
The workspace comes back through the sandbox, which keys the sample's disk by task id, sample id
and epoch (``_sandbox.sample_key``).
"""

from __future__ import annotations

import logging
import os
import posixpath

import anyio
from inspect_ai._control.eval_state import stable_task_id_for_eval
from inspect_ai.event import ModelEvent, ToolEvent
from inspect_ai.log import (
    EvalSample,
    list_eval_logs,
    read_eval_log,
    read_eval_log_sample,
    transcript,
)
from inspect_ai.log._samples import sample_active
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    ModelUsage,
    get_model,
)
from inspect_ai.model._model import record_and_check_model_usage, sample_model_usage
from inspect_ai.solver import TaskState
from inspect_ai.util import store

log = logging.getLogger(__name__)

RESUMED = "mirror.resumed"  # the sample store's list of logs this sample resumed from
INTERRUPTED = (
    "(No result: the run stopped while this call ran. Its effects on /work, if any, are there.)"
)


async def resume_conversation(state: TaskState) -> bool:
    """Continue ``state`` from the sample's interrupted run, if there is one; say if there was.

    The conversation (without its system prompt, which the agent adds again) goes back into
    ``state``; a tool call the interrupted run made but whose result it never logged gets the
    result its tool event recorded, or a note that it was interrupted. The interrupted run's
    token use is counted against this sample's limits and in its receipt.
    """
    active = sample_active()
    if active is None:
        return False
    task_id = stable_task_id_for_eval(active.eval_id)
    found = await anyio.to_thread.run_sync(
        lambda: interrupted_sample(active.log_location, task_id, state.sample_id, state.epoch)
    )
    if found is None:
        return False
    location, sample = found
    messages: list[ChatMessage] = [m for m in sample.messages if m.role != "system"]
    state.messages = answer_pending_calls(messages, sample)
    store().set(RESUMED, [*store().get(RESUMED, []), location])
    transcript().info(f"Resumed from {location}: {len(state.messages)} messages.")
    model = get_model()
    for name, usage in usage_of(sample).items():
        if name == str(model):
            record_and_check_model_usage(model, usage)
        else:
            usages = sample_model_usage()
            usages[name] = usages[name] + usage if name in usages else usage
    log.info("sample %s resumed from %s", state.sample_id, location)
    return True


def interrupted_sample(
    current: str, task_id: str, sample_id: int | str, epoch: int
) -> tuple[str, EvalSample] | None:
    """The sample from the newest other log of task ``task_id`` beside ``current`` that has it.

    Inspect runs a sample again only when it did not finish, so such a sample is the
    interrupted run of this one.
    """
    for info in list_eval_logs(posixpath.dirname(_path(current)), recursive=False):
        if _path(info.name) == _path(current):
            continue
        if read_eval_log(info.name, header_only=True).eval.task_id != task_id:
            continue
        try:
            sample = read_eval_log_sample(info.name, sample_id, epoch)
        except (IndexError, KeyError, ValueError):
            continue  # a log without this sample (such as the killed log before its recovery)
        if sample.messages:
            return info.name, sample
    return None


def usage_of(sample: EvalSample) -> dict[str, ModelUsage]:
    """The sample's token use by model (summed over its model calls when the log, as one
    recovered from a killed run, did not record the total)."""
    if sample.model_usage:
        return sample.model_usage
    usage: dict[str, ModelUsage] = {}
    for event in sample.events:
        if isinstance(event, ModelEvent) and event.output.usage is not None:
            usage[event.model] = usage.get(event.model, ModelUsage()) + event.output.usage
    return usage


def _path(location: str) -> str:
    """A log's location comparable with another's: local ones as absolute paths."""
    local = location.removeprefix("file://")
    return location if "://" in local else os.path.abspath(local)


def answer_pending_calls(messages: list[ChatMessage], sample: EvalSample) -> list[ChatMessage]:
    """``messages`` with a result after every tool call of its last assistant message."""
    if not messages or not isinstance(messages[-1], ChatMessageAssistant):
        return messages
    results = {
        event.id: event
        for event in sample.events
        if isinstance(event, ToolEvent) and not event.pending and event.result is not None
    }
    answers: list[ChatMessage] = []
    for call in messages[-1].tool_calls or []:
        event = results.get(call.id)
        answers.append(
            ChatMessageTool(
                content=str(event.result) if event else INTERRUPTED,
                tool_call_id=call.id,
                function=call.function,
                error=event.error if event else None,
            )
        )
    return messages + answers
