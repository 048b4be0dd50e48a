"""Inputs for hexyl: arbitrary bytes (runs included, for squeezing) and option sets."""

from hypothesis import strategies as st

from mirror.generators import generator
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


def option_sets() -> st.SearchStrategy[list[str]]:
    """Options in a user's mix: colour, border, squeezing, length, skip, offset, block size."""
    single = st.one_of(
        st.sampled_from(["always", "never", "auto"]).map(lambda c: ["--color", c]),
        st.sampled_from(["unicode", "ascii", "none"]).map(lambda b: [f"--border={b}"]),
        st.sampled_from([["-v"], ["--no-squeezing"]]),
        st.tuples(st.sampled_from(["-n", "-c", "--length", "--bytes"]), sizes()).map(list),
        st.tuples(st.sampled_from(["-s", "--skip"]), sizes()).map(list),
        st.tuples(st.sampled_from(["-o", "--display-offset"]), sizes()).map(list),
        st.sampled_from(["1", "2", "16", "512", "1kB"]).map(lambda s: [f"--block-size={s}"]),
    )
    # Mostly without colour codes, which make outputs long and alike.
    colour = st.sampled_from([["--color=never"], ["--color=never"], []])
    return st.tuples(colour, st.lists(single, max_size=4)).map(
        lambda parts: parts[0] + [word for group in parts[1] for word in group]
    )


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


@generator("hexyl", "bad-arguments")
def bad_arguments() -> st.SearchStrategy[Case]:
    wrong = st.sampled_from(
        [
            ["--color", "sometimes"],
            ["--border", "double"],
            ["-n", "-1"],
            ["-s", "1XB"],
            ["--block-size=0"],
            ["--block-size=-4"],
            ["-o", "1.5"],
            ["missing.bin"],
            ["a", "b"],
            ["--length"],
            ["-x"],
        ]
    )
    return st.builds(
        lambda options, bad, d: Case(args=(*options, *bad), stdin=d),
        option_sets(),
        wrong,
        st.binary(max_size=32),
    )
