"""How close a model's recited body is to the true one.

Both texts are normalised first (comments removed, whitespace runs made one space), then
compared two ways: the normalised Indel similarity of the characters (the primary measure,
as in MirrorCode's screen) and the same measure over tokens (identifiers, numbers, strings,
operators), which a reformatted but faithful recital keeps high.

Raw similarity has a floor that depends on the language: any C answer shares braces, ``if (``
and ``return`` with any C body. The screen therefore decides on the *excess* similarity: an
answer's similarity with its own body less its mean similarity with the program's other sampled
bodies (:func:`chance_levels`), which removes that floor for targets and baseline alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Indel
from rapidfuzz.process import cdist

from mirror.memorization.sources import Language

PRIMARY = "indel"
# Strings first, so a comment marker inside a string literal is left alone.
_C_LIKE = re.compile(
    r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|//[^\n]*|/\*.*?\*/""",
    re.DOTALL,
)
_PYTHON = re.compile(
    r'''("""(?:\\.|[^\\])*?"""|\'\'\'(?:\\.|[^\\])*?\'\'\'|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|#[^\n]*''',
    re.DOTALL,
)
_TOKEN = re.compile(
    r"""[A-Za-z_]\w*|\d[\w.]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`|"""
    r"""->|=>|::|<<=|>>=|\+\+|--|&&|\|\||[-+*/%&|^!=<>]=|<<|>>|\S"""
)
_FENCE = re.compile(r"```[\w+-]*\n(.*?)(?:```|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Similarity:
    indel: float  # normalised Indel similarity of the normalised texts, in [0, 1]
    token: float  # the same over their token sequences

    @property
    def primary(self) -> float:
        return getattr(self, PRIMARY)


def normalise(code: str, language: Language) -> str:
    """``code`` without comments, its whitespace runs collapsed to one space."""
    pattern = _PYTHON if language == "python" else _C_LIKE
    stripped = pattern.sub(lambda match: match.group(1) or " ", code)
    return " ".join(stripped.split())


def tokens(code: str) -> list[str]:
    return _TOKEN.findall(code)


def answer_body(answer: str, signature: str, language: Language) -> str:
    """The body in a model's answer: the code of its first fenced block if it has one, less a
    repeated signature."""
    fenced = _FENCE.search(answer)
    code = fenced.group(1) if fenced else answer
    head = tokens(normalise(signature, language))
    matches = list(_TOKEN.finditer(code))[: len(head)]
    if head and [match.group() for match in matches] == head:
        code = code[matches[-1].end() :]
    return code.strip()


def similarity(answer: str, truth: str, language: Language) -> Similarity:
    """The similarity of a recited body with the true one, after normalising both."""
    left, right = normalise(answer, language), normalise(truth, language)
    return Similarity(
        indel=Indel.normalized_similarity(left, right),
        token=Indel.normalized_similarity(tokens(left), tokens(right)),
    )


def chance_levels(answers: list[str], truths: list[str], language: Language) -> list[float]:
    """For each answer, its mean Indel similarity with the *other* true bodies of the program.

    What an answer scores against a body it was not asked for: the floor that the language's
    syntax, the program's style and generic code give any answer. A program with one function
    has no other body; its level is then the answer's own score (no excess)."""
    left = [normalise(answer, language) for answer in answers]
    right = [normalise(truth, language) for truth in truths]
    matrix = cdist(left, right, scorer=Indel.normalized_similarity, workers=1)
    n = len(right)
    if n < 2:
        return [float(matrix[i][i]) for i in range(n)]
    return [float((matrix[i].sum() - matrix[i][i]) / (n - 1)) for i in range(n)]
