"""Inputs for bitwise: literals in every base and expressions over its operators."""

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

BINARY_OPERATORS = ["+", "-", "*", "&", "|", "^", "<<", ">>"]
WIDTHS = ["b", "w", "l", "d"]


def literals() -> st.SearchStrategy[str]:
    """A number as bitwise reads it: decimal, 0x hex, 0b binary or 0-prefixed octal."""
    values = st.one_of(
        st.integers(0, 300),
        st.integers(0, 2**64 - 1),
        st.sampled_from([2**8 - 1, 2**16 - 1, 2**32 - 1, 2**63, 2**64 - 1]),
    )
    return st.one_of(
        values.map(str),
        values.map(lambda v: f"0x{v:x}"),
        values.map(lambda v: f"0x{v:X}"),
        st.integers(0, 2**20).map(lambda v: f"0b{v:b}"),
        st.integers(1, 2**30).map(lambda v: f"0{v:o}"),
    )


def expressions() -> st.SearchStrategy[str]:
    """Expressions over bitwise's operators; divisors are non-zero literals (x/0 is SIGFPE)."""
    divisors = st.integers(1, 1000).map(str)
    return st.recursive(
        literals(),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(BINARY_OPERATORS), inner).map(" ".join),
            st.tuples(inner, st.sampled_from(["/", "%"]), divisors).map(" ".join),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"~{e}" if e[0] in "0123456789(" else f"~({e})"),
            inner.map(lambda e: f"!({e})"),
        ),
        max_leaves=5,
    )


def option_sets() -> st.SearchStrategy[list[str]]:
    width = st.one_of(
        st.just([]),
        st.sampled_from(WIDTHS).map(lambda w: ["-w", w]),
        st.sampled_from(WIDTHS).map(lambda w: [f"--width={w}"]),
        st.sampled_from(WIDTHS).map(lambda w: [f"-w{w}"]),
    )
    si = st.sampled_from([[], [], ["-s"], ["--si"]])
    colour = st.sampled_from([["--no-color"], ["--no-color"], ["--no-color"], []])
    return (
        st.tuples(colour, width, si)
        .flatmap(lambda parts: st.permutations(parts))
        .map(lambda parts: [word for part in parts for word in part])
    )


@generator("bitwise", "literals")
def literal_cases() -> st.SearchStrategy[Case]:
    return st.builds(lambda options, n: Case(args=(*options, n)), option_sets(), literals())


@generator("bitwise", "expressions")
def expression_cases() -> st.SearchStrategy[Case]:
    return st.builds(lambda options, e: Case(args=(*options, e)), option_sets(), expressions())


@generator("bitwise", "bad-input")
def bad_input() -> st.SearchStrategy[Case]:
    broken = st.one_of(
        expressions().map(lambda e: e + " +"),
        expressions().map(lambda e: "(" + e),
        st.sampled_from(["0b102", "0xg1", "abc", "1 2", "", " ", "3 * -2", "1 ** 2", "0o17"]),
    )
    wrong_options = st.sampled_from([[], [], ["-w", "q"], ["--width=x"], ["-x"], ["--colour"]])
    return st.builds(
        lambda options, wrong, e: Case(args=(*options, *wrong, e)),
        option_sets(),
        wrong_options,
        broken,
    )
