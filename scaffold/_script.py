"""Scripted agents: Inspect's ``mockllm`` model driven by a named playbook of tool calls.

With ``--model mockllm/model`` the task plays the playbook named by its ``script`` parameter
(``idle`` by default) through the real tools, sandbox and scorer: the whole path of an agent run
with no API key. A playbook is a function of the target that yields steps: a :class:`Call` of a
tool, or a plain message. When it runs out, the model keeps answering without a tool call, so the
run goes on until a limit stops it. A playbook goes on from the conversation it is given: a
resumed run does not play again the steps its conversation already holds.

Every output carries its token usage, counted as one token per four characters: the scripted
model has no tokenizer, and Inspect's default one (tiktoken) would be fetched from the network.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from inspect_ai._util.registry import registry_info, set_registry_info
from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    Model,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.model._providers.mockllm import MockLLM
from inspect_ai.tool import ToolChoice, ToolInfo
from typing_extensions import override

from mirror.specs.targets import Target

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Call:
    """One tool call of a playbook."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    say: str | None = None


Step = Call | str
Playbook = Callable[[Target], Iterator[Step]]
PLAYBOOKS: dict[str, Playbook] = {}


def playbook(name: str) -> Callable[[Playbook], Playbook]:
    """Register a playbook under ``name`` (the task's ``script`` parameter)."""

    def register(function: Playbook) -> Playbook:
        if name in PLAYBOOKS:
            raise ValueError(f"a playbook named {name!r} is already registered")
        PLAYBOOKS[name] = function
        return function

    return register


def tokens(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN)


class ScriptedLLM(MockLLM):
    """``mockllm`` that counts tokens without a tokenizer (compaction counts them too)."""

    @override
    async def count_text_tokens(self, text: str) -> int:
        return tokens(text)


def scripted_model(name: str, target: Target, mock: Model) -> Model:
    """A ``mockllm`` model like ``mock`` that plays playbook ``name`` for ``target``."""
    if name not in PLAYBOOKS:
        raise ValueError(f"unknown script {name!r}; known: {', '.join(sorted(PLAYBOOKS))}")
    steps = PLAYBOOKS[name](target)
    played = 0

    def respond(
        input: list[ChatMessage], tools: list[ToolInfo], _choice: ToolChoice, _config: object
    ) -> ModelOutput:
        nonlocal played
        # A resumed run's conversation already holds the steps its first process played.
        for _ in range(sum(message.role == "assistant" for message in input) - played):
            next(steps, None)
            played += 1
        step = next(steps, None)
        played += 1
        if isinstance(step, Call):
            output = ModelOutput.for_tool_call(
                str(mock), step.tool, step.arguments, content=step.say or ""
            )
        else:
            output = ModelOutput.from_content(str(mock), step or "(the script has ended)")
        said = output.message.text + json.dumps(
            [call.arguments for call in output.message.tool_calls or []]
        )
        heard = "".join(message.text for message in input) + json.dumps(
            [tool.model_dump(exclude_none=True) for tool in tools]
        )
        output.usage = ModelUsage(
            input_tokens=tokens(heard),
            output_tokens=tokens(said),
            total_tokens=tokens(heard) + tokens(said),
        )
        return output

    api = ScriptedLLM(mock.name, custom_outputs=respond)
    set_registry_info(api, registry_info(mock.api))  # it is logged as the mockllm it stands for
    return Model(api, GenerateConfig())


@playbook("idle")
def idle(target: Target) -> Iterator[Step]:
    """Reads the task, asks the oracle once, runs the visible tests, and never submits."""
    yield Call("bash", {"command": "cat /task/TASK.md; ls /task/docs /task/tests"})
    yield Call("bash", {"command": "oracle run -- --help | head -20; ls /work"})
    yield Call("run_visible_tests", {})
    while True:
        yield "I am still thinking about how to build it."


@playbook("from-source")
def from_source(target: Target) -> Iterator[Step]:
    """Rebuilds the target from the sources its spec's ``demo_agent`` names (an original target,
    whose source is the project's own): probes the oracle, writes the sources and build.sh with
    the text editor, builds, runs the visible tests and submits. ``make demo`` plays it."""
    if target.demo_agent is None:
        raise ValueError(f"{target.name}: its target.toml has no [demo_agent] to play")
    yield Call("bash", {"command": "head -30 /task/TASK.md; oracle run -- --help | head -20"})
    for source in target.demo_agent.sources:
        text = (target.folder / source).read_text(encoding="utf-8")
        create = {"command": "create", "path": f"/work/{source}", "file_text": text}
        yield Call("text_editor", create)
    build = target.demo_agent.build.lstrip("\n")
    yield Call("text_editor", {"command": "create", "path": "/work/build.sh", "file_text": build})
    yield Call("bash", {"command": "cd /work && sh build.sh && ls -l bin"})
    yield Call("run_visible_tests", {})
    yield Call("submit", {"answer": f"{target.command} rebuilt from its source"})
