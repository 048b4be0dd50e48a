"""Inputs for gron: JSON documents to flatten, and statements (or JSON streams) to ungron."""

import json
import re

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")

keys = st.one_of(
    st.sampled_from(["a", "b", "name", "id", "x1", "_y", "$z", "Zeta", "for", "null"]),
    st.sampled_from(["", "a b", "x-y", "1", "0", "é", "a.b", "[0]", 'q"uote', "tab\t", "ünï"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=5),
)
number_literals = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["0", "-0", "1.50", "1e5", "1E-7", "0.1", "2.0e+3", "123456789012345678901"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


def json_texts(max_keys: int = 4) -> st.SearchStrategy[str]:
    """A JSON document as text, numbers written as gron must keep them (1.50 stays 1.50)."""
    scalars = st.one_of(
        st.sampled_from(["null", "true", "false"]),
        number_literals,
        st.text(max_size=8).map(lambda s: json.dumps(s, ensure_ascii=False)),
        st.text(max_size=4).map(json.dumps),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
            st.lists(st.tuples(keys, inner), max_size=max_keys).map(
                lambda pairs: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}"
            ),
        ),
        max_leaves=14,
    )


def layouts(text: str) -> st.SearchStrategy[str]:
    """The same document compact, re-indented, or with a trailing newline."""
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = text
    return st.sampled_from([text, text + "\n", pretty + "\n"])


def documents(max_keys: int = 4) -> st.SearchStrategy[str]:
    return json_texts(max_keys).flatmap(layouts)


def _path(parts: list[str | int]) -> str:
    path = "json"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif IDENTIFIER.fullmatch(part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
    return path


def _flatten(value: object, parts: list[str | int]) -> list[tuple[list[str | int], object]]:
    if isinstance(value, dict):
        found: list[tuple[list[str | int], object]] = [(parts, {})]
        for key, item in value.items():
            found += _flatten(item, [*parts, key])
        return found
    if isinstance(value, list):
        found = [(parts, [])]
        for index, item in enumerate(value):
            found += _flatten(item, [*parts, index])
        return found
    return [(parts, value)]


@st.composite
def statements(draw: st.DrawFn, as_json: bool = False) -> str:
    """gron output for a document, after a 'grep': some lines dropped, order shuffled."""
    value = json.loads(draw(json_texts()))
    pairs = _flatten(value, [])
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    pairs = [pair for pair, kept in zip(pairs, keep, strict=True) if kept or len(pairs) < 3]
    if draw(st.booleans()):
        pairs = draw(st.permutations(pairs))
    if as_json:
        lines = [json.dumps([parts, v], ensure_ascii=False) for parts, v in pairs]
    else:
        lines = [f"{_path(parts)} = {json.dumps(v, ensure_ascii=False)};" for parts, v in pairs]
    return "".join(line + "\n" for line in lines)


def flatten_options() -> st.SearchStrategy[list[str]]:
    single = st.sampled_from(["-m", "--monochrome", "-c", "--colorize", "-j", "--json"])
    return st.lists(single, max_size=3, unique=True)


@generator("gron", "json-stdin")
def json_stdin() -> st.SearchStrategy[Case]:
    return st.builds(
        lambda options, doc: Case(args=tuple(options), stdin=doc.encode()),
        flatten_options(),
        documents(),
    )


@generator("gron", "json-file")
def json_file() -> st.SearchStrategy[Case]:
    return st.builds(
        lambda options, doc: Case(args=(*options, "data.json"), files={"data.json": doc.encode()}),
        flatten_options(),
        documents(),
    )


@generator("gron", "no-sort")
def no_sort() -> st.SearchStrategy[Case]:
    """--no-sort walks Go maps in random order, so only objects of one key keep it stable."""
    return st.builds(
        lambda options, doc: Case(args=("--no-sort", *options), stdin=doc.encode()),
        flatten_options(),
        documents(max_keys=1),
    )


@generator("gron", "stream")
def stream() -> st.SearchStrategy[Case]:
    lines = st.lists(json_texts(), min_size=1, max_size=4).map(
        lambda docs: "".join(doc + "\n" for doc in docs).encode()
    )
    return st.builds(
        lambda options, data: Case(args=(*options, "-s"), stdin=data), flatten_options(), lines
    )


@generator("gron", "ungron")
def ungron() -> st.SearchStrategy[Case]:
    options = st.lists(st.sampled_from(["-m", "-c", "-v", "--no-sort"]), max_size=2, unique=True)
    flag = st.sampled_from(["-u", "--ungron"])
    return st.one_of(
        st.builds(
            lambda f, o, text: Case(args=(f, *o), stdin=text.encode()), flag, options, statements()
        ),
        st.builds(
            lambda f, o, text: Case(args=(f, "-j", *o), stdin=text.encode()),
            flag,
            options,
            statements(as_json=True),
        ),
    )


@generator("gron", "bad-input")
def bad_input() -> st.SearchStrategy[Case]:
    broken_json = documents().map(lambda doc: doc[: max(1, len(doc) // 2)])
    broken_statements = statements().map(lambda text: text.replace(" = ", " := ", 1) or "x")
    return st.one_of(
        st.builds(lambda doc: Case(stdin=doc.encode()), broken_json),
        st.builds(lambda text: Case(args=("-u",), stdin=text.encode()), broken_statements),
        st.sampled_from(["-x", "--frobnicate", "missing.json"]).map(lambda a: Case(args=(a,))),
    )
