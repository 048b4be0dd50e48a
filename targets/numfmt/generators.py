"""Inputs for numfmt: numbers in several notations and option combinations."""

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

plain_numbers = st.one_of(
    st.integers(-(10**15), 10**15).map(str),
    st.decimals(-1e9, 1e9, places=3, allow_nan=False).map(str),
)
suffixed = st.builds(
    lambda n, s, i: f"{n}{s}{i}",
    st.integers(0, 9999),
    st.sampled_from(list("KMGTPEZY")),
    st.sampled_from(["", "i"]),
)
scale = st.sampled_from(["none", "si", "iec", "iec-i", "auto"])
to_scale = st.sampled_from(["none", "si", "iec", "iec-i"])
rounding = st.sampled_from(["up", "down", "from-zero", "towards-zero", "nearest"])


def _option_sets() -> st.SearchStrategy[list[str]]:
    single = st.one_of(
        to_scale.map(lambda s: f"--to={s}"),
        scale.map(lambda s: f"--from={s}"),
        rounding.map(lambda r: f"--round={r}"),
        st.integers(-12, 12).map(lambda p: f"--padding={p}"),
        st.sampled_from(["B", "b", "X", "iB"]).map(lambda s: f"--suffix={s}"),
        st.sampled_from(["%f", "%'f", "%.2f", "%10.1f", "%-8f", "value: %f%%"]).map(
            lambda f: f"--format={f}"
        ),
        st.sampled_from(["1", "1000", "1024", "3"]).map(lambda u: f"--to-unit={u}"),
        st.sampled_from(["1", "1000", "1024"]).map(lambda u: f"--from-unit={u}"),
        st.just("--grouping"),
        st.just("-z"),
        st.sampled_from(["--invalid=fail", "--invalid=warn", "--invalid=ignore"]),
    )
    return st.lists(single, max_size=4, unique=True)


@generator("numfmt", "args")
def numbers_as_args() -> st.SearchStrategy[Case]:
    numbers = st.lists(st.one_of(plain_numbers, suffixed), min_size=1, max_size=3)
    # A negative number would be read as an option without "--" before it.
    return st.builds(
        lambda opts, ns: Case(args=(*opts, *(["--"] if any(n[0] == "-" for n in ns) else []), *ns)),
        _option_sets(),
        numbers,
    )


@generator("numfmt", "stdin-fields")
def fields_on_stdin() -> st.SearchStrategy[Case]:
    line = st.lists(st.one_of(plain_numbers, suffixed, st.just("size")), min_size=1, max_size=3)
    text = st.lists(line, min_size=1, max_size=5).map(
        lambda lines: "".join(" ".join(words) + "\n" for words in lines).encode()
    )
    extra = st.lists(
        st.sampled_from(["--field=1", "--field=2", "--field=1-2", "--header", "-d ", "--field=-"]),
        max_size=2,
        unique=True,
    )
    return st.builds(
        lambda opts, more, data: Case(args=(*opts, *more), stdin=data),
        _option_sets(),
        extra,
        text,
    )


LOCALES = ["en_US.UTF-8", "de_DE.UTF-8", "fr_FR.UTF-8", "en_IN", "C.UTF-8"]


def localized_numbers(locale: str) -> st.SearchStrategy[str]:
    """Numbers written with the locale's decimal point (and sometimes the other one)."""
    comma = locale.startswith(("de", "fr"))
    return st.one_of(
        st.integers(-(10**12), 10**12).map(str),
        st.decimals(0, 1e7, places=2, allow_nan=False).map(
            lambda d: str(d).replace(".", ",") if comma else str(d)
        ),
        st.decimals(0, 1e4, places=1, allow_nan=False).map(str),
        suffixed,
    )


@generator("numfmt", "locales")
def locales() -> st.SearchStrategy[Case]:
    """--grouping, %'f and decimal points under the locales built into the reference image."""
    grouping = st.sampled_from([["--grouping"], ["--format=%'f"], ["--format=%'.2f"], []])

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        locale = draw(st.sampled_from(LOCALES))
        numbers = draw(st.lists(localized_numbers(locale), min_size=1, max_size=3))
        options = draw(grouping) + draw(_option_sets().map(lambda o: o[:2]))
        variable = draw(st.sampled_from(["LC_ALL", "LC_ALL", "LC_NUMERIC"]))
        return Case(args=(*options, "--", *numbers), env={variable: locale})

    return build()
