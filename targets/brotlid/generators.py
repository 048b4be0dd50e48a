"""Inputs for brotli -d: streams made by the PyPI brotli encoder, whole, truncated or damaged.

Compression itself is out of scope (its output is not fixed by the format), so every case
decodes: ``-d`` with ``-c``, or ``-t``, reading standard input or a file.
"""

import brotli
from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

MODES = [brotli.MODE_GENERIC, brotli.MODE_TEXT, brotli.MODE_FONT]


def payloads() -> st.SearchStrategy[bytes]:
    """What gets compressed: text, random bytes, repetitive data; a few KB at most."""
    return st.one_of(
        st.text(min_size=1, max_size=300).map(str.encode),
        st.binary(min_size=1, max_size=300),
        st.builds(
            lambda unit, n: unit * n, st.binary(min_size=1, max_size=24), st.integers(1, 300)
        ),
        st.sampled_from([b"\n", b"a" * 4096, bytes(range(256)) * 8]),
    )


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    """A valid brotli stream of a payload, at a drawn quality, window and mode."""
    return brotli.compress(
        draw(payloads()),
        mode=draw(st.sampled_from(MODES)),
        quality=draw(st.integers(0, 11)),
        lgwin=draw(st.integers(10, 24)),
    )


@st.composite
def truncated_streams(draw: st.DrawFn) -> bytes:
    stream = draw(streams())
    return stream[: draw(st.integers(0, max(0, len(stream) - 1)))]


@st.composite
def corrupted_streams(draw: st.DrawFn) -> bytes:
    """A stream with one byte changed, bits flipped, garbage appended, or two streams joined."""
    stream = bytearray(draw(streams()))
    damage = draw(st.sampled_from(["byte", "bit", "append", "concatenate", "prefix"]))
    position = draw(st.integers(0, len(stream) - 1))
    if damage == "byte":
        stream[position] = draw(st.integers(0, 255).filter(lambda b: b != stream[position]))
    elif damage == "bit":
        stream[position] ^= 1 << draw(st.integers(0, 7))
    elif damage == "append":
        stream += draw(st.binary(min_size=1, max_size=8))
    elif damage == "concatenate":
        stream += draw(streams())
    else:
        stream[:0] = draw(st.binary(min_size=1, max_size=4))
    return bytes(stream)


def decode_options(from_file: bool = False) -> st.SearchStrategy[list[str]]:
    """A decoding command line, written the ways the manual allows (long, short, coalesced).

    Plain ``-d`` writes to standard output only when reading standard input; from a file it
    would write a file nobody sees. A quiet ``-t`` of a good stream prints nothing, so it is
    always verbose here.
    """
    commands = [
        ["-d", "-c"],
        ["-dc"],
        ["-cd"],
        ["--decompress", "--stdout"],
        ["-tv"],
        ["--test", "-v"],
    ]
    command = st.sampled_from(commands if from_file else [*commands, ["-d"]])
    extras = st.lists(
        st.sampled_from(["-v", "-k", "-n", "-f", "-j", "-q 5", "-w 16", "-S .x", "--verbose"]),
        max_size=2,
        unique=True,
    ).map(lambda words: [part for word in words for part in word.split()])
    return st.tuples(command, extras).map(lambda parts: parts[0] + parts[1])


def _cases(data: st.SearchStrategy[bytes]) -> st.SearchStrategy[Case]:
    """Decode ``data`` from standard input, '-', or a file."""
    return st.one_of(
        st.builds(lambda o, d: Case(args=tuple(o), stdin=d), decode_options(), data),
        st.builds(lambda o, d: Case(args=(*o, "-"), stdin=d), decode_options(), data),
        st.builds(
            lambda o, d: Case(args=(*o, "data.br"), files={"data.br": d}),
            decode_options(from_file=True),
            data,
        ),
    )


@generator("brotlid", "valid")
def valid() -> st.SearchStrategy[Case]:
    return _cases(streams())


@generator("brotlid", "truncated")
def truncated() -> st.SearchStrategy[Case]:
    return _cases(truncated_streams())


@generator("brotlid", "corrupted")
def corrupted() -> st.SearchStrategy[Case]:
    return _cases(st.one_of(corrupted_streams(), st.binary(min_size=1, max_size=64)))


@generator("brotlid", "usage-errors")
def usage_errors() -> st.SearchStrategy[Case]:
    wrong = st.sampled_from(
        [
            ["-d", "-d", "-c"],
            ["-d", "-t"],
            ["-d", "-c", "-o", "out"],
            ["-d", "-c", "-x"],
            ["-d", "-c", "--bogus"],
            ["-d", "-c", "-q"],
            ["-d", "-c", "-q", "12"],
            ["-d", "-c", "-w", "9"],
            ["-d", "-c", "missing.br"],
            ["-d", "-c", "-S", ""],
            ["-d", "-c", "a.br", "a.br"],
        ]
    )
    return st.builds(lambda args, d: Case(args=tuple(args), stdin=d), wrong, streams())
