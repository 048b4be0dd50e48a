"""Inputs for ncal (BSD cal, run as cal): months, years (1752's reform) and option sets."""

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

months = st.integers(1, 12).map(str)
years = st.one_of(st.integers(1, 9999), st.sampled_from([1752, 1753, 1900, 2000, 2024, 2100]))
flags = st.sampled_from(["-j", "-y", "-3", "-1", "-h"])


@generator("ncal", "month-year")
def month_year() -> st.SearchStrategy[Case]:
    return st.builds(lambda m, y: Case(args=(m, str(y))), months, years)


@generator("ncal", "options")
def options() -> st.SearchStrategy[Case]:
    counts = st.integers(0, 13).map(str)
    option_args = st.lists(
        st.one_of(
            flags.map(lambda flag: [flag]),
            st.tuples(st.sampled_from(["-A", "-B"]), counts).map(list),
            st.tuples(st.just("-m"), months).map(list),
        ),
        max_size=3,
    ).map(lambda groups: [word for group in groups for word in group])
    return st.builds(lambda opts, m, y: Case(args=(*opts, m, str(y))), option_args, months, years)


@generator("ncal", "year")
def whole_year() -> st.SearchStrategy[Case]:
    return st.builds(lambda y, j: Case(args=(*j, str(y))), years, st.sampled_from([[], ["-j"]]))


@generator("ncal", "bad-input")
def bad_input() -> st.SearchStrategy[Case]:
    # Never a word that is a valid option: "-1", "-3" or "-y" alone would show the current
    # month or year, which changes with the clock.
    junk = st.one_of(
        st.sampled_from(["-5", "-4", "-2", "0"]),
        st.integers(13, 99).map(str),
        st.integers(10000, 99999).map(str),
        st.text("abcxyz-", min_size=1, max_size=4).filter(lambda word: not word.startswith("-")),
    )
    return st.builds(lambda words: Case(args=tuple(words)), st.lists(junk, min_size=1, max_size=2))


@generator("ncal", "current-date")
def current_date() -> st.SearchStrategy[Case]:
    """Displays relative to "today", pinned with -d yyyy-mm so they do not depend on the clock."""
    today = st.builds(lambda y, m: f"{y:04d}-{m:02d}", years, st.integers(1, 12))
    selection = st.one_of(
        st.sampled_from([[], ["-3"], ["-1"], ["-y"], ["-j"], ["-3", "-j"]]),
        st.tuples(st.sampled_from(["-A", "-B"]), st.integers(-3, 13).map(str)).map(list),
        st.tuples(st.just("-m"), months, st.sampled_from(["", "f", "p"])).map(
            lambda t: [t[0], t[1] + t[2]]
        ),
    )
    return st.builds(lambda sel, d: Case(args=(*sel, "-d", d)), selection, today)
