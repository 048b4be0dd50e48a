"""Inputs for hexyl: arbitrary bytes (runs included, for squeezing) and option sets."""

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

UNITS = ["", "b", "kB", "KB", "kiB", "KiB", "MB", "MiB", "block", "blocks"]


def _runs() -> st.SearchStrategy[bytes]:
    """Bytes with long runs of one pattern, so identical lines get squeezed into a '*'."""
    return st.builds(
        lambda head, pattern, count, tail: head + pattern * count + tail,
        st.binary(max_size=20),
        st.binary(min_size=1, max_size=16),
        st.integers(2, 40),
        st.binary(max_size=20),
    )


def data() -> st.SearchStrategy[bytes]:
    """What hexyl reads: random bytes, text, or repetitive blocks."""
    return st.one_of(
        st.binary(max_size=200),
        st.text(max_size=80).map(str.encode),
        st.sampled_from([b"", b"\x00" * 64, bytes(range(256)), b"\xff" * 33]),
        _runs(),
    )


def sizes() -> st.SearchStrategy[str]:
    """A byte count as hexyl parses it: decimal, hex, or with a unit."""
    return st.one_of(
        st.integers(0, 300).map(str),
        st.integers(0, 255).map(lambda n: f"0x{n:x}"),
        st.tuples(st.integers(0, 3), st.sampled_from(UNITS)).map(lambda p: f"{p[0]}{p[1]}"),
    )


def _option_kinds() -> dict[str, st.SearchStrategy[list[str]]]:
    return {
        "color": st.sampled_from(["always", "never", "never", "auto"]).map(
            lambda c: ["--color", c]
        ),
        "border": st.sampled_from(["unicode", "ascii", "none"]).map(lambda b: [f"--border={b}"]),
        "squeeze": st.sampled_from([["-v"], ["--no-squeezing"]]),
        "length": st.tuples(st.sampled_from(["-n", "-c", "--length", "--bytes"]), sizes()).map(
            list
        ),
        "skip": st.tuples(st.sampled_from(["-s", "--skip"]), sizes()).map(list),
        "offset": st.tuples(st.sampled_from(["-o", "--display-offset"]), sizes()).map(list),
        "block": st.sampled_from(["1", "2", "16", "512", "1kB"]).map(
            lambda s: [f"--block-size={s}"]
        ),
    }


@st.composite
def option_sets(draw: st.DrawFn, exclude: tuple[str, ...] = ()) -> list[str]:
    """Options in a user's mix, each at most once: hexyl's argument parser reports an option
    given twice, or two errors at once, in an order that changes from run to run."""
    kinds = _option_kinds()
    chosen = draw(
        st.lists(st.sampled_from(sorted(set(kinds) - set(exclude))), unique=True, max_size=4)
    )
    # Mostly without colour codes, which make outputs long and alike.
    if "color" not in chosen and "color" not in exclude and draw(st.integers(0, 2)):
        chosen.append("color-never")
    words: list[str] = []
    for kind in draw(st.permutations(chosen)):
        words += ["--color=never"] if kind == "color-never" else draw(kinds[kind])
    return words


@generator("hexyl", "stdin-bytes")
def stdin_bytes() -> st.SearchStrategy[Case]:
    return st.builds(lambda options, d: Case(args=tuple(options), stdin=d), option_sets(), data())


@generator("hexyl", "file-bytes")
def file_bytes() -> st.SearchStrategy[Case]:
    return st.builds(
        lambda options, d: Case(args=(*options, "input.bin"), files={"input.bin": d}),
        option_sets(),
        data(),
    )


@generator("hexyl", "odd-arguments")
def odd_arguments() -> st.SearchStrategy[Case]:
    """Values hexyl rejects, and values it quietly ignores (an unparsable size counts as none)."""
    wrong = st.sampled_from(
        [
            ("color", ["--color", "sometimes"]),
            ("border", ["--border", "double"]),
            ("length", ["-n", "-1"]),
            ("skip", ["-s", "1XB"]),
            ("block", ["--block-size=0"]),
            ("block", ["--block-size=-4"]),
            ("offset", ["-o", "1.5"]),
            ("length", ["-n", "0x"]),
            ("length", ["-c", "kB"]),
            ("skip", ["--skip=99999999999999999999"]),
            ("offset", ["-o", "-3"]),
            ("", ["missing.bin"]),
            ("", ["a", "b"]),
            ("length", ["--length"]),
            ("", ["-x"]),
        ]
    )
    return wrong.flatmap(
        lambda kind_bad: st.builds(
            lambda options, d: Case(args=(*options, *kind_bad[1]), stdin=d),
            option_sets(exclude=(kind_bad[0],)),
            st.binary(max_size=32),
        )
    )
