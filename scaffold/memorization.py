"""The Inspect task ``memorization``: can a model recite the bodies of a target's functions?

One sample per sampled function (targets and baseline programs, see
:mod:`mirror.memorization.screen`): the prompt shows the file's path, the lines before the
function and its signature, and asks for the body. The scorer records the normalised Indel
similarity (the score's value, the primary measure) and the token-level one (its metadata).

``inspect eval mirrorcode/memorization --model M -T targets=jq,colt -T cutoff=2025-12``; or
``mirror memorize``, which also writes the screen's records. With a ``mockllm`` model the answers
are scripted (``-T script=``): ``unrelated`` (default) answers every prompt with the same
unrelated code, ``memorizer`` answers with the true body for targets (not for the baseline,
which it cannot have seen), ``memorizer:NAME`` does so for target NAME only.
"""

from __future__ import annotations

import logging

from inspect_ai import Task, task
from inspect_ai._eval.registry import task_register
from inspect_ai._util.registry import registry_info, set_registry_info
from inspect_ai.dataset import Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    Model,
    ModelName,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import Generate, Solver, TaskState, solver

from mirror.memorization.extract import DEFAULT_FUNCTIONS
from mirror.memorization.screen import DEFAULT_CUTOFF, Item, manifest_record, prepare
from mirror.memorization.similarity import answer_body, similarity
from mirror.specs.targets import all_targets, get_target
from scaffold._script import ScriptedLLM, tokens

log = logging.getLogger(__name__)

PROMPT = """\
Below is the start of a function from the file `{path}` of the program `{program}`, with the
lines of the file before it. Write the function's body exactly as it appears in that program's
source: reply with the body only{braces}, in one fenced code block, with no explanation.

Lines before the function:
```{language}
{context}
```

The function's signature:
```{language}
{signature}
```
"""
BRACES = {
    "c": ", from its opening brace to its closing brace",
    "go": ", from its opening brace to its closing brace",
    "rust": ", from its opening brace to its closing brace",
    "javascript": ", from its opening brace to its closing brace",
    "python": " (its indented statements)",
}
UNRELATED = """```
{
    int total = 0;
    for (int i = 0; i < count; i++)
        total += weights[i] * values[i];
    return total > limit ? limit : total;
}
```"""
SCRIPTS = ("unrelated", "memorizer")


def sample_of(item: Item) -> Sample:
    function = item.function
    return Sample(
        id=function.key,
        input=PROMPT.format(
            path=function.path,
            program=function.program,
            braces=BRACES[function.language],
            language=function.language,
            context=function.context.rstrip("\n"),
            signature=function.signature,
        ),
        target=function.body,
        metadata={
            "kind": item.kind,
            "program": function.program,
            "path": function.path,
            "name": function.name,
            "line": function.line,
            "language": function.language,
            "signature": function.signature,
        },
    )


@task
def memorization(
    targets: str | list[str] | None = None,
    functions: int = DEFAULT_FUNCTIONS,
    seed: int = 0,
    cutoff: str = DEFAULT_CUTOFF,
    script: str = "unrelated",
) -> Task:
    """The memorization screen for ``targets`` (comma-separated, default all).

    Args:
      targets: Targets to screen (a list, or names separated by commas); default every target.
      functions: Functions sampled per program (all of them when it has fewer).
      seed: Seed of the sample (the same seed, the same functions).
      cutoff: The model's training cutoff (YYYY-MM): baseline programs first released after it
        form the band.
      script: How a ``mockllm`` model answers (ignored for other models): ``unrelated``,
        ``memorizer`` or ``memorizer:TARGET``.
    """
    if script.split(":")[0] not in SCRIPTS:
        raise ValueError(f"script must be one of {', '.join(SCRIPTS)}[:TARGET], not {script!r}")
    names = targets.split(",") if isinstance(targets, str) else targets
    chosen = [get_target(name.strip()) for name in names] if names else list(all_targets().values())
    prepared = prepare(chosen, functions, seed, cutoff)
    return Task(
        dataset=[sample_of(item) for item in prepared.items],
        solver=recite(script),
        scorer=recital(),
        metadata={
            "cutoff": cutoff,
            "seed": seed,
            "functions": functions,
            "manifests": {
                name: manifest_record(manifest) for name, manifest in prepared.manifests.items()
            },
            "unavailable": prepared.unavailable,
        },
    )


@solver
def recite(script: str = "unrelated") -> Solver:
    """Ask the model for the body; a ``mockllm`` model answers as ``script`` says."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        if ModelName(model).api != "mockllm":
            return await generate(state)
        answer = _scripted_answer(script, state)
        scripted = _answering(model, answer)
        output = await scripted.generate(state.messages)
        state.output = output
        state.messages.append(output.message)
        return state

    return solve


def _scripted_answer(script: str, state: TaskState) -> str:
    kind, _, only = script.partition(":")
    knows = kind == "memorizer" and state.metadata["kind"] == "target"
    if knows and only in ("", state.metadata["program"]):
        return f"```{state.metadata['language']}\n{state.target.text}\n```"
    return UNRELATED


def _answering(mock: Model, answer: str) -> Model:
    """A ``mockllm`` model that answers ``answer``, with its token usage given (so Inspect
    needs no tokenizer, which it would fetch from the network)."""

    def respond(input: list[ChatMessage], *_: object) -> ModelOutput:
        output = ModelOutput.from_content(str(mock), answer)
        heard = sum(tokens(message.text) for message in input)
        output.usage = ModelUsage(
            input_tokens=heard, output_tokens=tokens(answer), total_tokens=heard + tokens(answer)
        )
        return output

    api = ScriptedLLM(mock.name, custom_outputs=respond)
    set_registry_info(api, registry_info(mock.api))  # logged as the mockllm it stands for
    return Model(api, GenerateConfig())


@scorer(metrics=[mean(), stderr()])
def recital() -> Scorer:
    """Similarity of the recited body with the true one: Indel (value) and token (metadata)."""

    async def score(state: TaskState, target: Target) -> Score:
        language = state.metadata["language"]
        message = state.output.message if state.output else ChatMessageAssistant(content="")
        body = answer_body(message.text, state.metadata["signature"], language)
        measured = similarity(body, target.text, language)
        return Score(
            value=measured.indel,
            answer=body,
            metadata={
                "token": measured.token,
                "kind": state.metadata["kind"],
                "program": state.metadata["program"],
            },
        )

    return score


# `inspect eval mirrorcode/memorization`, however the package is installed (see _task.py).
TASK_NAME = "mirrorcode/memorization"
if registry_info(memorization).name != TASK_NAME:
    _metadata = registry_info(memorization).metadata
    task_register(memorization, TASK_NAME, _metadata["attribs"], _metadata["params"])
