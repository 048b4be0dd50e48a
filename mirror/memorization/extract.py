"""Functions of a program's own source, found with tree-sitter, and a seeded sample of them.

The grammars are the per-language PyPI wheels (``tree-sitter-c``, ``-go``, ``-rust``,
``-python``, ``-javascript``): compiled in, nothing is fetched at run time.
"""

from __future__ import annotations

import importlib
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import tree_sitter

from mirror.memorization.sources import Language, Source

log = logging.getLogger(__name__)

CONTEXT_LINES = 20  # lines of the file before a function shown with its signature
MIN_BODY_LINES, MAX_BODY_LINES = 4, 80  # "useful size": enough to recite, short enough to ask
MIN_BODY_CHARS, MAX_BODY_CHARS = 80, 4000
DEFAULT_FUNCTIONS = 30


@dataclass(frozen=True)
class Grammar:
    """How one language's tree-sitter grammar names functions and their bodies."""

    module: str
    functions: frozenset[str]


GRAMMARS: dict[Language, Grammar] = {
    "c": Grammar("tree_sitter_c", frozenset({"function_definition"})),
    "go": Grammar("tree_sitter_go", frozenset({"function_declaration", "method_declaration"})),
    "rust": Grammar("tree_sitter_rust", frozenset({"function_item"})),
    "python": Grammar("tree_sitter_python", frozenset({"function_definition"})),
    "javascript": Grammar(
        "tree_sitter_javascript",
        frozenset(
            {
                "function_declaration",
                "generator_function_declaration",
                "method_definition",
                "function_expression",
                "arrow_function",
            }
        ),
    ),
}


@dataclass(frozen=True)
class Function:
    """One function of a program: where it is, what precedes it, its signature and body."""

    program: str
    language: Language
    path: str
    name: str
    line: int  # 1-based line of the function's first character
    context: str  # up to CONTEXT_LINES lines of the file before the function
    signature: str  # the function's text up to its body
    body: str  # the body exactly as in the file (braces included where the language has them)
    start: int  # byte offsets of the body in the file
    end: int

    @property
    def key(self) -> str:
        return f"{self.program}:{self.path}:{self.line}"


@cache
def parser(language: Language) -> tree_sitter.Parser:
    module = importlib.import_module(GRAMMARS[language].module)
    return tree_sitter.Parser(tree_sitter.Language(module.language()))


def functions(source: Source) -> list[Function]:
    """Every function of useful size in ``source``'s files, in file and line order."""
    found: list[Function] = []
    for path, content in sorted(source.files.items()):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("%s: %s is not UTF-8; its functions are left out", source.program, path)
            continue
        tree = parser(source.language).parse(content)
        for node in _function_nodes(tree.root_node, GRAMMARS[source.language].functions):
            function = _function(source, path, content, text, node)
            if function is not None:
                found.append(function)
    return found


def _function_nodes(root: tree_sitter.Node, kinds: frozenset[str]) -> Iterator[tree_sitter.Node]:
    cursor = [root]
    while cursor:
        node = cursor.pop()
        if node.type in kinds:
            yield node
        cursor.extend(reversed(node.children))


def _function(
    source: Source, path: str, content: bytes, text: str, node: tree_sitter.Node
) -> Function | None:
    body = node.child_by_field_name("body")
    if body is None or body.has_error or node.has_error:
        return None
    if source.language == "javascript" and body.type != "statement_block":
        return None  # an arrow function returning an expression: nothing to recite
    if source.language == "rust" and _rust_test(node):
        return None  # a test in the program's own file: tests are never sampled
    name = _name(node)
    if name is None:
        return None
    body_text = content[body.start_byte : body.end_byte].decode("utf-8")
    lines = body_text.count("\n") + 1
    if not (MIN_BODY_LINES <= lines <= MAX_BODY_LINES):
        return None
    if not (MIN_BODY_CHARS <= len(body_text) <= MAX_BODY_CHARS):
        return None
    start_line = node.start_point.row
    before = text.splitlines(keepends=True)[max(0, start_line - CONTEXT_LINES) : start_line]
    return Function(
        program=source.program,
        language=source.language,
        path=path,
        name=name,
        line=start_line + 1,
        context="".join(before),
        signature=content[node.start_byte : body.start_byte].decode("utf-8").rstrip(),
        body=body_text,
        start=body.start_byte,
        end=body.end_byte,
    )


def _attributes(node: tree_sitter.Node) -> Iterator[str]:
    """The text of the outer attributes (``#[...]``) just before a Rust item."""
    sibling = node.prev_named_sibling
    while sibling is not None and sibling.type in ("attribute_item", "line_comment"):
        if sibling.type == "attribute_item" and sibling.text:
            yield sibling.text.decode()
        sibling = sibling.prev_named_sibling


def _rust_test(node: tree_sitter.Node) -> bool:
    """A ``#[test]`` function (or ``#[tokio::test]`` and the like), or one inside a module
    compiled for tests only (``#[cfg(test)] mod tests``)."""
    if any(attribute.rstrip("]").endswith("test") for attribute in _attributes(node)):
        return True
    parent = node.parent
    while parent is not None:
        if parent.type == "mod_item" and any("cfg(test)" in a for a in _attributes(parent)):
            return True
        parent = parent.parent
    return False


def _name(node: tree_sitter.Node) -> str | None:
    """The function's name: its ``name`` field, a C declarator's identifier, or the variable
    or property an anonymous JavaScript function is assigned to."""
    named = node.child_by_field_name("name")
    if named is not None:
        return named.text.decode() if named.text else None
    declarator = node.child_by_field_name("declarator")
    while declarator is not None:
        if declarator.type in ("identifier", "field_identifier"):
            return declarator.text.decode() if declarator.text else None
        declarator = declarator.child_by_field_name("declarator")
    parent = node.parent
    if parent is not None and parent.type in (
        "variable_declarator",
        "pair",
        "assignment_expression",
    ):
        target = (
            parent.child_by_field_name("name")
            or parent.child_by_field_name("key")
            or parent.child_by_field_name("left")
        )
        return target.text.decode() if target is not None and target.text else None
    return None


def sample(found: list[Function], k: int = DEFAULT_FUNCTIONS, seed: int = 0) -> list[Function]:
    """``k`` functions drawn without replacement (all when fewer), the same for the same seed.

    The draw is seeded per program, so adding a program does not change another's sample.
    """
    if len(found) <= k:
        return list(found)
    program = found[0].program
    chosen = random.Random(f"{seed}:{program}").sample(range(len(found)), k)
    return [found[i] for i in sorted(chosen)]
