"""Inputs for colt: tables of words and numbers, delimited text, and option sets."""

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

cells = st.one_of(
    st.sampled_from(["name", "qty", "price", "pear", "fig", "id", "N/A", "-", "x"]),
    st.integers(-5000, 5000).map(str),
    st.decimals(-1000, 1000, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["+.5", "-3.", "1e5", "0x1F", "12,5", "."]),
    st.sampled_from(["zoë", "köln", "日本", "naïve", "€10"]),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12),
)


def column_lists() -> st.SearchStrategy[str]:
    item = st.one_of(
        st.integers(1, 8).map(str),
        st.tuples(st.integers(1, 5), st.integers(0, 4)).map(lambda p: f"{p[0]}-{p[0] + p[1]}"),
        st.integers(1, 6).map(lambda n: f"{n}-"),
    )
    return st.lists(item, min_size=1, max_size=4).map(",".join)


def option_sets() -> st.SearchStrategy[list[str]]:
    """Display options (splitting is chosen with the data, see :func:`tables`)."""
    single = st.one_of(
        st.sampled_from(["  ", " | ", "", "\\t", ",", " :: "]).map(lambda s: ["-o", s]),
        st.text("lrc", min_size=1, max_size=4).map(lambda a: [f"--align={a}"]),
        st.sampled_from([["-n"], ["--numeric"]]),
        st.sampled_from([["-H"], ["--header"]]),
        column_lists().map(lambda c: ["-c", c]),
        st.integers(1, 12).map(lambda w: ["-w", str(w)]),
        st.sampled_from(["-", "NA", "", "?"]).map(lambda e: [f"--empty={e}"]),
        st.sampled_from([["-b"], ["--border"]]),
        st.sampled_from([["-S"], ["--skip-empty"]]),
        st.sampled_from([["-T"], ["--transpose"]]),
    )
    return st.lists(single, max_size=4).map(lambda groups: [w for g in groups for w in g])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], bytes]:
    """Rows of cells joined by blanks or by a separator, with the matching ``-s`` option."""
    separator = draw(st.sampled_from([None, None, ",", ";", "\\t", ":,"]))
    rows = draw(st.lists(st.lists(cells, max_size=6), min_size=1, max_size=8))
    lines = []
    for row in rows:
        if separator is None:
            gaps = draw(st.lists(st.sampled_from([" ", "  ", "\t", " \t "]), min_size=len(row)))
            lead = draw(st.sampled_from(["", "", " ", "\t"]))
            lines.append(lead + "".join(c + g for c, g in zip(row, gaps, strict=False)).rstrip())
        else:
            joiner = "\t" if separator == "\\t" else draw(st.sampled_from(separator))
            lines.append(joiner.join(row))
    ending = draw(st.sampled_from(["\n", "\n", ""]))
    options = (
        [] if separator is None else [draw(st.sampled_from(["-s", "--separator="])), separator]
    )
    if options and options[0].endswith("="):
        options = [options[0] + options[1]]
    return options, ("\n".join(lines) + ending).encode()


@generator("colt", "tables")
def table_cases() -> st.SearchStrategy[Case]:
    return st.builds(
        lambda table, options: Case(args=(*table[0], *options), stdin=table[1]),
        tables(),
        option_sets(),
    )


@generator("colt", "files")
def file_cases() -> st.SearchStrategy[Case]:
    """Several inputs in one table: files, '-' for standard input, and missing files."""

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        count = draw(st.integers(1, 3))
        files = {f"t{i}.txt": draw(tables().map(lambda t: t[1])) for i in range(count)}
        names = draw(
            st.permutations([*files, "-", "missing.txt"][: count + draw(st.integers(0, 2))])
        )
        return Case(
            args=(*draw(option_sets()), *names),
            stdin=draw(tables().map(lambda t: t[1])),
            files=files,
        )

    return build()


@generator("colt", "errors")
def error_cases() -> st.SearchStrategy[Case]:
    usage = st.sampled_from(
        [
            ["-s", ""],
            ["-a", "lrx"],
            ["-a", ""],
            ["-c", "0"],
            ["-c", "3-1"],
            ["-c", "1,,2"],
            ["-c", "101"],
            ["-c", "-2"],
            ["-w", "0"],
            ["-w", "1001"],
            ["-w", "ten"],
            ["--bogus"],
            ["-x"],
            ["--align"],
            ["-w"],
        ]
    )
    nul = tables().map(lambda t: t[1] + b"bad\x00line\n")
    wide = st.integers(101, 140).map(lambda n: (" ".join(["f"] * n) + "\n").encode())
    return st.one_of(
        st.builds(
            lambda o, bad, t: Case(args=(*o, *bad), stdin=t[1]), option_sets(), usage, tables()
        ),
        st.builds(lambda o, data: Case(args=tuple(o), stdin=data), option_sets(), nul),
        st.builds(lambda o, data: Case(args=tuple(o), stdin=data), option_sets(), wide),
    )
