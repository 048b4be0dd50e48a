"""Inputs for jq: JSON documents and filters from a small grammar of jq expressions."""

import json
import re

from hypothesis import strategies as st

from mirror.specs.generators import fixed_cases, generator
from oracle.case import Case

keys = st.sampled_from(["a", "b", "c", "name", "x1", "items"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)


def _filters() -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.just("."),
        keys.map(lambda k: f".{k}"),
        st.integers(-3, 3).map(lambda i: f".[{i}]"),
        st.sampled_from([".[]", ".[]?", "keys", "length", "type", "tostring", "tojson", "not"]),
        st.sampled_from(["add", "reverse", "sort", "unique", "to_entries", "paths", "flatten"]),
        st.sampled_from(["empty", "null", "1", '"s"', "[]", "{}", "$__loc__", "input_line_number"]),
        st.sampled_from(["ascii_downcase", "@base64", "@csv", "@html", "@sh", "@text", "@json"]),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda p: f"{p[0]} | {p[1]}"),
            st.tuples(inner, inner).map(lambda p: f"{p[0]}, {p[1]}"),
            inner.map(lambda f: f"[{f}]"),
            st.tuples(keys, inner).map(lambda p: f"{{{p[0]}: {p[1]}}}"),
            inner.map(lambda f: f"map({f})"),
            inner.map(lambda f: f"select({f})"),
            st.tuples(inner, inner, inner).map(lambda t: f"if {t[0]} then {t[1]} else {t[2]} end"),
            st.tuples(inner, st.sampled_from(["+", "-", "*", "==", "<", "and", "//"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda f: f"try {f} catch ."),
        ),
        max_leaves=6,
    )


def _documents() -> st.SearchStrategy[bytes]:
    import json

    return st.lists(json_values, min_size=1, max_size=3).map(
        lambda docs: "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode()
    )


@generator("jq", "filter-on-input")
def filter_on_input() -> st.SearchStrategy[Case]:
    # -a with raw output of a non-ASCII string corrupts jq 1.6's heap (SIGABRT): left out.
    flags = st.lists(
        st.sampled_from(["-c", "-r", "-S", "-j", "-a", "--tab", "-s", "-e"]),
        max_size=2,
        unique=True,
    ).filter(lambda fl: not ("-a" in fl and ("-r" in fl or "-j" in fl)))
    return st.builds(
        lambda fl, f, doc: Case(args=(*fl, f), stdin=doc), flags, _filters(), _documents()
    )


@generator("jq", "null-input")
def null_input() -> st.SearchStrategy[Case]:
    return st.builds(lambda f: Case(args=("-n", "-c", f)), _filters())


@generator("jq", "args-and-files")
def args_and_files() -> st.SearchStrategy[Case]:
    return st.builds(
        lambda name, value, doc: Case(
            args=("--arg", name, value, "-c", f"{{v: ${name}, d: .}}", "input.json"),
            files={"input.json": doc},
        ),
        st.sampled_from(["v", "x", "name"]),
        st.text(st.characters(exclude_characters="\0"), max_size=6),
        _documents(),
    )


# Builtins with arguments, written as templates over small literals: {s} a string, {n} a
# number, {r} a regex; each paired with inputs of the type it works on.
STRING_BUILTINS = [
    "split({s})",
    "test({r})",
    '[match({r}; "g") | .string]',
    'capture("(?<first>[a-z]+)")',
    "sub({r}; {s})",
    "gsub({r}; {s})",
    "ascii_downcase",
    "ascii_upcase",
    "ltrimstr({s})",
    "rtrimstr({s})",
    "startswith({s})",
    "endswith({s})",
    "explode",
    "explode | implode",
    "@base64",
    "@base64 | @base64d",
    "@uri",
    "@html",
    "@sh",
    "@json",
    "tojson | fromjson",
    "[splits({r})]",
    "indices({s})",
    "index({s})",
    "rindex({s})",
    "length",
    "utf8bytelength",
    ". * {n}",
    'tonumber? // "NaN"',
    ". as $x | [$x, ($x | length)]",
]
ARRAY_BUILTINS = [
    "map(. * 2)?",
    "sort",
    "sort_by(tostring)",
    "group_by(type)",
    "unique",
    "unique_by(tostring | length)",
    "min",
    "max",
    "min_by(tostring)",
    "max_by(tostring)",
    "reverse",
    "flatten",
    "flatten(1)",
    "add",
    "any",
    "all",
    "first(.[])",
    "last",
    "limit({n}; .[])",
    "nth({n})",
    "[.[] | numbers]",
    "[.[] | strings]",
    "indices(1)",
    "index(1)",
    "contains([1])",
    'inside([1, 2, 3, "a"])',
    "reduce .[] as $x (0; . + ($x | length))",
    "[foreach .[] as $x (0; . + 1; [., $x])]",
    "to_entries",
    "[paths]",
    "[leaf_paths]",
    "tostream",
    "[tostream] | fromstream(.[])",
    "del(.[0])",
    "del(.[1:])",
    ".[1:3]",
    ".[-2:]",
    "getpath([0])",
    "setpath([0]; {s})",
    "transpose?",
    "combinations? | tostring",
    "join({s})?",
    "@csv?",
    "@tsv?",
    'walk(if type == "number" then . + 1 else . end)',
    "[range({n})]",
    "[range(0; {n}; 2)]",
    "[limit(3; repeat(.))] | length",
    "[recurse] | length",
    "env | type",
    "input_line_number",
    "$__loc__",
    'splits("a")?',
    "isvalid(.[0])?",
    'try error("x") catch .',
    "label $out | .[] | if . == null then ., break $out else . end",
    "[.[] | tostring]",
    "map(type)",
    "[.[] | numbers | floor, sqrt, fabs?]",
    "[.[] | numbers | . / 3 | . * 3]",
    '(.[0] // "default")',
    "path(..)",
    "[..] | length",
    "to_entries | from_entries?",
    "with_entries(.value |= tostring)?",
    "map_values(tostring)?",
    "has(0)",
    'has("a")?',
    "keys_unsorted?",
    ".[0] as [$a, $b] | {{a: $a, b: $b}}",  # braces doubled: templates go through format
    ". as [$first] ?// $first | $first",
    "@text",
    "ascii?",
    "todate?",
    "map(numbers | todate)?",
    "map(numbers | gmtime | mktime)?",
    'map(numbers | strftime("%Y-%m-%dT%H:%M:%SZ %j %a"))?',
]
literal_strings = st.sampled_from(['"a"', '"b c"', '""', '","', '"é"', '"ab"'])
literal_numbers = st.integers(-2, 5).map(str)
literal_regexes = st.sampled_from(['"a"', '"[a-z]+"', '"^a"', '"(b|c)"', '"\\\\s+"', '"x?"', '"."'])


@st.composite
def builtin_calls(draw: st.DrawFn, templates: list[str]) -> str:
    """A builtin from ``templates`` with its placeholders filled with small literals."""
    template = draw(st.sampled_from(templates))
    return template.format(
        s=draw(literal_strings), n=draw(literal_numbers), r=draw(literal_regexes)
    )


@generator("jq", "builtins")
def builtins() -> st.SearchStrategy[Case]:
    strings = st.text(st.sampled_from("abcé ,xyz1\t"), max_size=10)
    arrays = st.lists(st.one_of(scalars, st.lists(scalars, max_size=2)), max_size=5)
    string_case = st.builds(
        lambda f, v: Case(args=("-c", f), stdin=(json.dumps(v) + "\n").encode()),
        builtin_calls(STRING_BUILTINS),
        strings,
    )
    array_case = st.builds(
        lambda f, v: Case(args=("-c", f), stdin=(json.dumps(v) + "\n").encode()),
        builtin_calls(ARRAY_BUILTINS),
        arrays,
    )
    return st.one_of(string_case, array_case)


@generator("jq", "raw-input")
def raw_input() -> st.SearchStrategy[Case]:
    """-R reads lines as strings (-s: the whole input as one), -r/-j print strings raw."""
    lines = st.lists(st.text(st.sampled_from('abc ,1é\t"{}'), max_size=8), min_size=1, max_size=4)
    text = st.tuples(lines, st.sampled_from(["\n", ""])).map(lambda p: "\n".join(p[0]) + p[1])
    flags = st.sampled_from(
        [["-R"], ["-R", "-s"], ["-R", "-r"], ["-R", "-n"], ["-Rj"], ["-R", "-c"]]
    )
    program = st.one_of(builtin_calls(STRING_BUILTINS), st.sampled_from([".", "[inputs]", "input"]))
    return st.builds(lambda f, p, t: Case(args=(*f, p), stdin=t.encode()), flags, program, text)


@generator("jq", "bad-input")
def bad_input() -> st.SearchStrategy[Case]:
    """Malformed JSON on standard input, and filters that do not compile."""
    broken_documents = _documents().map(lambda doc: doc[: max(1, len(doc) * 2 // 3)] + b" ]")
    junk = st.sampled_from([b"{", b"[1,]", b"{'a':1}", b"tru", b"01", b"1 2 [", b'"\\x"', b"\xff"])
    broken_filters = _filters().map(lambda f: f + " |") | _filters().map(lambda f: "(" + f)
    return st.one_of(
        st.builds(lambda f, d: Case(args=("-c", f), stdin=d), _filters(), broken_documents | junk),
        st.builds(lambda f: Case(args=("-n", f)), broken_filters),
    )


# -- the upstream test suite -----------------------------------------------------------------


def parse_jq_tests(text: str) -> list[Case]:
    """Cases from a jq.test file: blank-separated groups of program, input, expected outputs.

    ``%%FAIL`` groups hold a program that must not compile and its message; they become a
    case with no input. Only program and input are kept: gold comes from the reference.
    """
    cases = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("%%FAIL"):
            if index < len(lines):
                cases.append(Case(args=("-c", lines[index])))
        elif index < len(lines):
            cases.append(Case(args=("-c", line), stdin=(lines[index] + "\n").encode()))
        while index < len(lines) and lines[index].strip():
            index += 1
    return cases


@fixed_cases("jq", "upstream")
def upstream() -> list[Case]:
    from mirror.suites.upstream import upstream_files

    files = upstream_files("jq", "jq", "jq", ("tests/*.test",))
    cases = [case for _, text in sorted(files.items()) for case in parse_jq_tests(text.decode())]
    # Module tests need the suite's module folder (-L tests/modules), which is not shipped here.
    kept = [
        case for case in cases if not re.search(r"\b(import|include|modulemeta)\b", case.args[1])
    ]
    return list({json.dumps(case.to_json(), sort_keys=True): case for case in kept}.values())
