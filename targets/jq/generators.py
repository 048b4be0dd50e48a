"""Inputs for jq: JSON documents and filters from a small grammar of jq expressions."""

from hypothesis import strategies as st

from mirror.generators import generator
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
    flags = st.lists(
        st.sampled_from(["-c", "-r", "-S", "-j", "-a", "--tab", "-s", "-e"]),
        max_size=2,
        unique=True,
    )
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
        st.text(max_size=6),
        _documents(),
    )
