"""Inputs for uuidparse: UUIDs of every variant and version, near-misses, and column options."""

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

COLUMNS = ("UUID", "VARIANT", "TYPE", "TIME")
# The top bits of byte 8 select the variant: 0xxx NCS, 10xx DCE, 110x Microsoft, 111x other.
variant_nibbles = st.sampled_from("0123456789abcdef")
version_nibbles = st.sampled_from("0123456789abcdef")


@st.composite
def uuids(draw: st.DrawFn) -> str:
    """A well-formed UUID with a chosen version and variant, in a chosen letter case."""
    digits = list(f"{draw(st.integers(0, 2**128 - 1)):032x}")
    digits[12] = draw(st.one_of(st.sampled_from("12345"), version_nibbles))
    digits[16] = draw(variant_nibbles)
    text = "".join(digits)
    text = "-".join((text[:8], text[8:12], text[12:16], text[16:20], text[20:]))
    return draw(st.sampled_from([text, text.upper(), text.title()]))


special_uuids = st.sampled_from(
    [
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "00000000-0000-1000-8000-000000000000",
        "ffffffff-ffff-1fff-bfff-ffffffffffff",
        "000003e8-cbb9-21ea-b201-00045a86c8a1",
        "00000000-0000-0000-c000-000000000046",
    ]
)


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    """A UUID damaged in one place: a digit dropped, added or replaced, a dash moved."""
    text = draw(uuids())
    position = draw(st.integers(0, len(text) - 1))
    edit = draw(st.sampled_from(["drop", "add", "replace", "undash", "brace"]))
    if edit == "drop":
        return text[:position] + text[position + 1 :]
    if edit == "add":
        return text[:position] + draw(st.sampled_from("0aFg-")) + text[position:]
    if edit == "replace":
        return text[:position] + draw(st.sampled_from("gxZ-_ 0")) + text[position + 1 :]
    if edit == "undash":
        return text.replace("-", "")
    return "{" + text + "}"


words = st.one_of(
    uuids(), special_uuids, near_misses(), st.text("0123456789abcdef-xyz", min_size=1, max_size=40)
)


def column_lists() -> st.SearchStrategy[str]:
    names = st.sampled_from(COLUMNS).map(lambda name: name.lower() if len(name) % 2 else name)
    return st.lists(names, min_size=1, max_size=5).map(",".join)


def option_sets() -> st.SearchStrategy[list[str]]:
    """Options as a user combines them: one output format, headings, columns."""
    layout = st.sampled_from([[], ["-J"], ["-r"], ["--json"], ["--raw"]])
    headings = st.sampled_from([[], ["-n"], ["--noheadings"]])
    columns = st.one_of(
        st.just([]),
        column_lists().map(lambda c: ["-o", c]),
        column_lists().map(lambda c: [f"--output={c}"]),
    )
    return st.tuples(layout, headings, columns).map(lambda parts: [w for p in parts for w in p])


@generator("uuidparse", "uuid-args")
def uuid_args() -> st.SearchStrategy[Case]:
    return st.builds(
        lambda options, inputs: Case(args=(*options, *inputs)),
        option_sets(),
        st.lists(words.filter(lambda w: not w.startswith("-")), min_size=1, max_size=4),
    )


@generator("uuidparse", "uuid-stdin")
def uuid_stdin() -> st.SearchStrategy[Case]:
    separators = st.sampled_from([" ", "\n", "\t", "  ", " \n"])
    text = st.lists(st.tuples(words, separators), min_size=0, max_size=6).map(
        lambda pairs: "".join(word + sep for word, sep in pairs).encode()
    )
    return st.builds(
        lambda options, data: Case(args=tuple(options), stdin=data), option_sets(), text
    )


@generator("uuidparse", "bad-options")
def bad_options() -> st.SearchStrategy[Case]:
    wrong = st.sampled_from(
        [
            ["-o", "FOO"],
            ["-o", ""],
            ["-o", "uuid,,type"],
            ["-J", "-r"],
            ["-x"],
            ["--output"],
            ["-o"],
        ]
    )
    return st.builds(
        lambda options, bad, inputs: Case(args=(*options, *bad, *inputs)),
        option_sets(),
        wrong,
        st.lists(uuids(), max_size=2),
    )
