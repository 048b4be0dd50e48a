"""The Inspect task ``mirrorcode``: one sample per target, a ReAct agent in the mirror sandbox."""

from __future__ import annotations

import logging
from pathlib import Path

from inspect_ai import Task, task
from inspect_ai._eval.registry import task_register
from inspect_ai._util.registry import registry_info
from inspect_ai.agent import AgentPrompt, AgentSubmit, as_solver, react
from inspect_ai.dataset import Sample
from inspect_ai.model import (
    CompactionAuto,
    CompactionEdit,
    CompactionSummary,
    CompactionTrim,
    ModelName,
    get_model,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import bash, python, text_editor
from inspect_ai.util import LimitExceededError, SandboxEnvironmentSpec, message_limit, sandbox

from mirror.specs.targets import Target, all_targets, get_target
from mirror.suites import visible_path
from oracle.suite import read_suite
from scaffold._resume import resume_conversation
from scaffold._sandbox import MirrorSandbox, MirrorSandboxConfig
from scaffold._scorer import heldout
from scaffold._script import scripted_model
from scaffold._snapshots import snapshot_every
from scaffold._tools import run_visible_tests

log = logging.getLogger(__name__)

TOOL_TIMEOUT = 900  # seconds one bash or python call may run (builds included)
# A scripted run with no limit of its own stops after this many messages.
SCRIPT_MESSAGES = 60
# Tokens between two snapshots of the workspace: a curve point per two million tokens.
SNAPSHOT_TOKENS = 2_000_000
COMPACTIONS = {
    "auto": lambda: CompactionAuto(),
    "summary": lambda: CompactionSummary(),
    "edit": lambda: CompactionEdit(),
    "trim": lambda: CompactionTrim(),
    "none": lambda: None,
}

SYSTEM_PROMPT = """\
You are reimplementing the command-line program `{command}` from its behaviour alone.
{description}

Your build must behave exactly like the real program: for any arguments, standard input and
input files, print the same stdout and stderr, byte for byte, and exit with the same code.

What you have, in this box (no network):
- /task/TASK.md: the contract; /task/docs/: the program's manual; /task/tests/visible.jsonl:
  the visible tests (families: {families}).
- The oracle, which runs the real program for you: `oracle run [--stdin FILE] [--file
  NAME=PATH] -- ARGS...` prints exactly what it printed and exits with its code. `oracle batch`
  answers many cases at once (JSON Lines in, one outcome per line out): use it to explore
  widely. The program itself is not in this box.
- `run_visible_tests` (or `oracle test` in bash) runs the visible tests against your build and
  shows the first differences; give it a family to run only that one.
- Your workspace /work. Languages: {languages}. Put your source there and, if it needs building,
  /work/build.sh (run once as `sh build.sh` in /work, with no network). After the build,
  /work/bin/{command} must be the executable.

How you are scored: your workspace is copied to a separate scoring box, built there, and run on
held-out tests you never see: similar in kind to the visible ones, different in content, so
hard-coding visible answers scores nothing. The reference program and the oracle are not
reachable from the scoring box: a build that calls `oracle` (or wraps it) fails every case.
A run counts as solved at 99 % and at 100 % of held-out cases.

Work in small verified steps: probe the oracle, compare, fix, and keep the visible tests
passing. This is a long task; you have plenty of time. When your build is as exact as you can
make it, call `submit`.
"""

INPUT = "Reimplement `{command}` in /work. Start with /task/TASK.md."


def choose_targets(targets: str | list[str]) -> list[Target]:
    """Targets by name (a list, a comma-separated string), or every target for ``all``."""
    names = targets.split(",") if isinstance(targets, str) else list(targets)
    names = [name.strip() for name in names if name.strip()]
    if names == ["all"]:
        return list(all_targets().values())
    return [get_target(name) for name in names]


def families(target: Target) -> list[str]:
    return sorted({entry.family for entry in read_suite(visible_path(target))})


def system_prompt(target: Target) -> str:
    return SYSTEM_PROMPT.format(
        command=target.command,
        description=target.description,
        families=", ".join(families(target)),
        languages=", ".join(language.value for language in target.languages),
    )


@task
def mirrorcode(
    targets: str | list[str] = "all",
    epochs: int = 1,
    token_limit: int | None = None,
    time_limit: int | None = None,
    working_limit: int | None = None,
    message_limit: int | None = None,
    cost_limit: float | None = None,
    compaction: str = "auto",
    snapshot_tokens: int = SNAPSHOT_TOKENS,
    script: str = "idle",
    results: str = "results",
    state: str | None = None,
    cpus: float = 2.0,
    memory: str = "8g",
    disk: str = "8g",
) -> Task:
    """Reimplement real command-line programs from their behaviour, scored on held-out tests.

    Args:
      targets: Target names (a list or comma-separated), or ``all``.
      epochs: Runs per target.
      token_limit: Tokens per run (all models of the run together).
      time_limit: Wall-clock seconds per run.
      working_limit: Working seconds per run (time not spent waiting on queues or retries).
      message_limit: Messages per run.
      cost_limit: Dollars per run (needs a price for the model).
      compaction: How the conversation is kept within the context window: ``auto`` (the
        provider's own compaction where it has one, else a summary), ``summary``, ``edit``,
        ``trim`` or ``none``.
      snapshot_tokens: Snapshot the workspace every this many tokens (and at the end); each
        snapshot is scored after the run, for the receipt's pass-fraction-over-tokens curve.
      script: The playbook a scripted ``mockllm`` model plays (ignored for other models).
      results: Where receipts go (``<results>/agent/<target>/``).
      state: Host folder for the boxes' working state (default: $MIRROR_STATE or
        ~/.cache/mirror).
      cpus: CPUs of each agent box.
      memory: Memory of each agent box (its /tmp and home count in it).
      disk: Size of each agent box's /work disk.
    """
    if compaction not in COMPACTIONS:
        raise ValueError(f"compaction must be one of {', '.join(COMPACTIONS)}, not {compaction!r}")
    if snapshot_tokens <= 0:
        raise ValueError(f"snapshot_tokens must be positive, not {snapshot_tokens}")
    chosen = choose_targets(targets)
    dataset = [
        Sample(
            id=target.name,
            input=INPUT.format(command=target.command),
            metadata={"target": target.name},
        )
        for target in chosen
    ]
    config = MirrorSandboxConfig(state=state, cpus=cpus, memory=memory, disk=disk)
    return Task(
        dataset=dataset,
        solver=mirror_agent(compaction, script, message_limit is None, snapshot_tokens, results),
        scorer=heldout(results, state),
        sandbox=SandboxEnvironmentSpec("mirror", config),
        epochs=epochs,
        token_limit=token_limit,
        time_limit=time_limit,
        working_limit=working_limit,
        message_limit=message_limit,
        cost_limit=cost_limit,
    )


# `inspect eval mirrorcode/mirrorcode`: Inspect prefixes an extension's task with its top-level
# Python package (`scaffold`), or with nothing when installed editable, while it finds the entry
# point by the distribution's name; the task takes that full name whichever way it is installed.
TASK_NAME = "mirrorcode/mirrorcode"
if registry_info(mirrorcode).name != TASK_NAME:
    _metadata = registry_info(mirrorcode).metadata
    task_register(mirrorcode, TASK_NAME, _metadata["attribs"], _metadata["params"])


@solver
def mirror_agent(
    compaction: str = "auto",
    script: str = "idle",
    scripted_limit: bool = True,
    snapshot_tokens: int = SNAPSHOT_TOKENS,
    results: str = "results",
) -> Solver:
    """Inspect's ``react()`` with bash, python, the text editor, ``run_visible_tests`` and
    ``submit``, under the task's prompt for the sample's target; the workspace is snapshotted
    (into the run's evidence folder under ``results``) every ``snapshot_tokens`` tokens.

    With a ``mockllm`` model, the model plays playbook ``script`` instead (see ``_script.py``).
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        target = get_target(state.metadata["target"])
        await resume_conversation(state)  # a resumed run goes on where it stopped
        model = get_model()
        scripted = ModelName(model).api == "mockllm"
        agent = react(
            prompt=AgentPrompt(instructions=system_prompt(target)),
            tools=[
                bash(timeout=TOOL_TIMEOUT),
                python(timeout=TOOL_TIMEOUT),
                text_editor(),
                run_visible_tests(),
            ],
            model=scripted_model(script, target, model) if scripted else None,
            submit=AgentSubmit(
                description="Submit when your build in /work is as exact as you can make it."
            ),
            compaction=COMPACTIONS[compaction](),
            on_continue=snapshot_every(
                snapshot_tokens, sandbox().as_type(MirrorSandbox).boxes, Path(results)
            ),
        )
        if not (scripted and scripted_limit):
            return await as_solver(agent)(state, generate)
        limit = message_limit(SCRIPT_MESSAGES)
        try:
            with limit:
                return await as_solver(agent)(state, generate)
        except LimitExceededError as error:
            if error.source is not limit:  # the sample's own limits end the sample as usual
                raise
            log.info("the scripted run of %s ended at %d messages", target.name, SCRIPT_MESSAGES)
            return state

    return solve
