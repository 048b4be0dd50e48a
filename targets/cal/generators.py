"""Inputs for util-linux's cal: dates given as [[day] month] year or one timestamp, layouts
(-1/-3/-n/-S, -y/-Y, -v), first day, Julian days, week numbers, calendar reforms, colors,
locales, errors, and the cases of util-linux's own tests/ts/cal.

cal falls back on today's date wherever a case leaves part of the date out, and highlights
today in colour: every case here pins the date (:func:`depends_on_today` says which would not).
"""

from __future__ import annotations

import re
import shlex
from functools import cache

from hypothesis import strategies as st

from mirror.specs.generators import fixed_cases, generator
from oracle.case import Case

MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip
LOCALE_MONTHS = {
    "de_DE.UTF-8": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "Oktober"],
    "fr_FR.UTF-8": ["janvier", "février", "mars", "avril", "août", "décembre", "juin"],
}
LOCALES = ["C", "C.UTF-8", "en_US.UTF-8", "de_DE.UTF-8", "fr_FR.UTF-8"]
TERMS = ["linux", "xterm", "xterm-256color", "vt100", "dumb"]

# Options that take the months shown from the date (today's if the case gives no month).
NUM_MONTHS = ("-1", "-3", "-n", "--months", "-S", "--span", "--one", "--three")

years = st.one_of(
    st.integers(1, 9999),
    st.integers(1740, 1770),
    st.sampled_from([1, 2, 4, 100, 1600, 1700, 1752, 1753, 1900, 2000, 2024, 2100, 9999]),
).map(str)
month_numbers = st.integers(1, 12)
days = st.integers(1, 28)
first_day = st.sampled_from([[], ["-s"], ["-m"], ["--sunday"], ["--monday"]])
julian = st.sampled_from([[], [], ["-j"], ["--julian"]])
week = st.sampled_from([[], [], ["-w"], ["--week"]])
reform = st.sampled_from(
    [[], [], ["--reform", "1752"], ["--reform", "gregorian"], ["--reform", "iso"],
     ["--reform", "julian"], ["--iso"]]
)  # fmt: skip
vertical = st.sampled_from([[], [], ["-v"], ["--vertical"]])
span = st.one_of(
    st.just([]),
    st.sampled_from([["-1"], ["-3"], ["--three"], ["-S", "-n", "4"], ["-Sn", "5"], ["-3", "-S"]]),
    st.integers(1, 24).map(lambda n: ["-n", str(n)]),
    st.integers(2, 15).map(lambda n: [f"--months={n}"]),
)


def _flatten(groups: list[list[str]]) -> list[str]:
    return [word for group in groups for word in group]


def layout() -> st.SearchStrategy[list[str]]:
    """Options that change the layout but not which date is shown, in any order."""
    return st.tuples(first_day, julian, week, reform, vertical).flatmap(
        lambda groups: st.permutations(list(groups)).map(_flatten)
    )


def month_word() -> st.SearchStrategy[str]:
    """A month as a number (maybe zero-padded), a name or an abbreviation, in any case."""
    return st.one_of(
        month_numbers.map(str),
        month_numbers.map(lambda m: f"{m:02d}"),
        st.sampled_from(MONTHS),
        st.sampled_from(MONTHS).map(lambda m: m[:3]),
        st.sampled_from(MONTHS).map(str.upper),
        st.sampled_from(MONTHS).map(str.capitalize),
    )


def timestamp() -> st.SearchStrategy[str]:
    """An absolute date (and time): it becomes "today" for the case, whatever the time zone."""
    date = st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(1970, 2099), month_numbers, days
    )
    return st.one_of(
        date,
        st.builds(lambda d, h: f"{d} {h:02d}:30:00", date, st.integers(0, 23)),
    )


def depends_on_today(args: tuple[str, ...]) -> bool:
    """Whether cal would take part of its output from today's date for these arguments.

    It does unless the date is pinned: a timestamp argument, a month and a year, or a year
    alone shown whole or from a given week (a month count or span would start from today's
    month, and colour would highlight today).
    """
    words, positional, options = list(args), [], []
    while words:
        word = words.pop(0)
        if word in ("--months", "--reform"):
            options += [word, words.pop(0) if words else ""]
        elif word == "--":
            positional += words
            break
        elif word.startswith("--"):
            options.append(word)
        elif word.startswith("-") and word != "-":
            flags = word[1:]
            options += [f"-{flag}" for flag in flags.split("n")[0]]
            if "n" in flags:
                rest = flags.split("n", 1)[1]
                options += ["-n", rest or (words.pop(0) if words else "")]
        else:
            positional.append(word)
    if len(positional) >= 2:
        return False
    if len(positional) == 1 and not positional[0].isdigit():
        return not positional[0][:1].isdigit() and not positional[0].startswith("@")
    if not positional:
        return True
    if "--color=always" in options:
        return True
    if any(option.startswith("--week=") for option in options):
        return False
    return any(option.split("=")[0] in NUM_MONTHS for option in options)


@generator("cal", "month-year")
def month_year() -> st.SearchStrategy[Case]:
    return st.builds(lambda opts, m, y: Case(args=(*opts, m, y)), layout(), month_word(), years)


@generator("cal", "day-month-year")
def day_month_year() -> st.SearchStrategy[Case]:
    """A day highlighted in colour (shown plain when the output is no terminal)."""
    colour = st.sampled_from([[], ["--color=always"], ["--color=never"], ["--color=auto"]])
    return st.builds(
        lambda opts, c, d, m, y: Case(args=(*opts, *c, str(d), str(m), y), env={"TERM": "linux"}),
        layout(),
        colour,
        st.integers(1, 31),
        month_numbers,
        years,
    )


@generator("cal", "year")
def whole_year() -> st.SearchStrategy[Case]:
    """-y and -Y: a year or twelve months, with or without a month to start from."""
    which = st.sampled_from([["-y"], ["--year"], ["-Y"], ["--twelve"], []])
    date = st.one_of(
        years.map(lambda y: [y]),
        st.tuples(month_numbers.map(str), years).map(list),
    )
    return st.builds(lambda w, opts, d: Case(args=(*w, *opts, *d)), which, layout(), date).filter(
        lambda case: not depends_on_today(case.args)
    )


@generator("cal", "months")
def months() -> st.SearchStrategy[Case]:
    """-1, -3, -n and -S around a given month (and day)."""
    date = st.one_of(
        st.tuples(month_numbers.map(str), years).map(list),
        st.tuples(st.integers(1, 28).map(str), month_numbers.map(str), years).map(list),
    )
    return st.builds(lambda s, opts, d: Case(args=(*s, *opts, *d)), span, layout(), date)


@generator("cal", "timestamp")
def from_timestamp() -> st.SearchStrategy[Case]:
    """One timestamp pins "today": the month shown, the months around it, the day coloured."""
    extra = st.sampled_from([[], ["-y"], ["-Y"], ["--color=always"], ["-w", "--color=always"]])
    return st.builds(
        lambda s, e, opts, t: Case(args=(*s, *e, *opts, t), env={"TERM": "linux"}),
        span,
        extra,
        layout(),
        timestamp(),
    )


@generator("cal", "week")
def week_number() -> st.SearchStrategy[Case]:
    """--week=N picks the month holding week N of the year; US or ISO numbering."""
    return st.builds(
        lambda n, opts, s, d, c: Case(args=(f"--week={n}", *s, *opts, *c, *d)),
        st.integers(1, 54),
        st.tuples(first_day, julian, reform, vertical).map(list).map(_flatten),
        st.sampled_from([[], ["-3"], ["-1"], ["-n", "2"], ["-y"]]),
        st.one_of(years.map(lambda y: [y]), st.tuples(month_numbers.map(str), years).map(list)),
        st.sampled_from([[], ["--color=always"]]),
    ).filter(lambda case: not depends_on_today(case.args))


@generator("cal", "reform")
def reform_years() -> st.SearchStrategy[Case]:
    """The Gregorian reform: September 1752, leap years on both sides, proleptic calendars."""
    which = st.sampled_from(
        [["--reform", "1752"], ["--reform", "gregorian"], ["--reform", "iso"],
         ["--reform", "julian"], ["--iso"], []]
    )  # fmt: skip
    date = st.one_of(
        st.just(["9", "1752"]),
        st.tuples(month_numbers.map(str), st.integers(1748, 1756).map(str)).map(list),
        st.tuples(st.just("2"), st.sampled_from(["100", "200", "1500", "1700", "1800"])).map(list),
        st.tuples(st.just("-y"), st.sampled_from(["1752", "1", "1600", "1700"])).map(list),
    )
    return st.builds(
        lambda r, opts, d: Case(args=(*r, *opts, *d)),
        which,
        st.tuples(first_day, julian, week, vertical).map(list).map(_flatten),
        date,
    )


@generator("cal", "color")
def colour() -> st.SearchStrategy[Case]:
    """--color=always under several terminals: today (the given day) and week numbers."""
    when = st.sampled_from(["--color=always", "--color=never", "--color", "--color=auto"])
    return st.builds(
        lambda w, opts, s, d, m, y, term: Case(
            args=(w, *opts, *s, str(d), str(m), y), env={} if term is None else {"TERM": term}
        ),
        when,
        layout(),
        st.sampled_from([[], ["-3"], ["-y"], ["-n", "2"]]),
        st.integers(1, 28),
        month_numbers,
        years,
        st.one_of(st.none(), st.sampled_from(TERMS)),
    )


@generator("cal", "locale")
def locale() -> st.SearchStrategy[Case]:
    """Month and weekday names and the first day of the week come from LC_ALL; month names
    given as arguments are read in that locale."""

    def named(loc: str) -> st.SearchStrategy[str]:
        names = LOCALE_MONTHS.get(loc, MONTHS)
        return st.one_of(month_numbers.map(str), st.sampled_from(names))

    def case(loc: str) -> st.SearchStrategy[Case]:
        return st.builds(
            lambda s, opts, m, y: Case(args=(*s, *opts, m, y), env={"LC_ALL": loc}),
            st.sampled_from([[], ["-3"], ["-y"], ["-n", "2"], ["-Y"]]),
            layout(),
            named(loc),
            years,
        )

    return st.sampled_from(LOCALES).flatmap(case)


@generator("cal", "terminal")
def terminal() -> st.SearchStrategy[Case]:
    """TERM and COLUMNS: the months per row follow the terminal's width only on a terminal."""
    return st.builds(
        lambda cols, term, s, opts, m, y: Case(
            args=(*s, *opts, m, y), env={"COLUMNS": str(cols), "TERM": term}
        ),
        st.sampled_from([20, 40, 60, 80, 132, 200]),
        st.sampled_from(TERMS),
        st.sampled_from([["-y"], ["-3"], ["-n", "6"], ["-Y"]]),
        layout(),
        month_numbers.map(str),
        years,
    )


@generator("cal", "bad-input")
def bad_input() -> st.SearchStrategy[Case]:
    """Errors: out-of-range values, unknown names, bad options and option arguments."""
    good = st.tuples(month_numbers.map(str), years).map(list)
    wrong = st.one_of(
        st.tuples(st.integers(13, 99).map(str), years).map(list),
        st.tuples(st.sampled_from(["0", "x", "1x", "00"]), years).map(list),
        st.tuples(month_numbers.map(str), st.sampled_from(["0", "-5", "10000x", "abc"])).map(list),
        st.tuples(st.sampled_from(["0", "32", "30", "31", "29"]), st.just("2"), years).map(list),
        st.sampled_from(["2024-13-01", "@x", "1x", "2024-02-30", "12:00"]).map(lambda w: [w]),
        st.tuples(st.sampled_from(["smarch", "janu4ry", "x", "13th"]), years).map(list),
        st.tuples(st.just("1"), st.just("2"), st.just("3"), years).map(list),
    )
    bad_option = st.one_of(
        st.sampled_from(
            [
                ["-x"],
                ["--nosuch"],
                ["-n", "x"],
                ["-n", "-2"],
                ["--reform", "1800"],
                ["--reform", "x"],
                ["--color=sometimes"],
                ["--week=0"],
                ["--week=55"],
                ["--week=x"],
                ["-y", "-Y"],
                ["-Y", "-n", "2"],
                ["-y", "-n", "3"],
                ["-q"],
            ]
        ).flatmap(lambda o: good.map(lambda g: o + g)),
        st.integers(1, 53).map(lambda n: [f"--week={n}", "-m", "1", "2010"]),
    )
    return st.one_of(wrong, bad_option).map(lambda args: Case(args=tuple(args)))


UPSTREAM_FUNCTIONS = ("call_cal", "call_cal_color", "call_cal_simple")
VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def upstream_script_cases(script: str) -> list[Case]:
    """The cal invocations of one of util-linux's tests/ts/cal scripts, with its variables
    substituted and TERM as the scripts export it; those that would depend on today (the
    scripts pin it for their own test build with CAL_TEST_TIME) are left out."""
    variables: dict[str, str] = {}
    loop: list[str] = []
    calls: list[list[str]] = []
    for line in script.splitlines():
        line = line.strip()
        if line.startswith("for x in ") and line.endswith("; do"):
            loop = line.removeprefix("for x in ").removesuffix("; do").split()
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if len(words) == 1 and "=" in words[0] and words[0].split("=")[0].isidentifier():
            name, value = words[0].split("=", 1)
            variables[name] = value
            continue
        if words and words[0] in UPSTREAM_FUNCTIONS and len(words) > 1:
            args = [v for w in words[2:] for v in _expand(w, variables).split()]
            if words[0] == "call_cal_color":
                args.append("--color=always")
            calls += [[*args, "1", x] for x in loop] if loop else [args]
        elif words[:1] == ["$TS_CMD_CAL"] and ">>" in words:
            args = words[1 : words.index(">>")]
            if not any(word.startswith("$") for word in args):
                calls.append(args)
    cases = [Case(args=tuple(args), env={"TERM": "linux"}) for args in calls]
    return [case for case in cases if not depends_on_today(case.args)]


def _expand(word: str, variables: dict[str, str]) -> str:
    """``word`` with each ``$NAME`` replaced as the shell would (unset: empty)."""
    return VARIABLE.sub(lambda match: variables.get(match.group(1), ""), word)


@cache
def upstream_cases() -> tuple[Case, ...]:
    """Every pinned invocation of util-linux's own cal tests, from its Debian source."""
    from mirror.suites.upstream import upstream_files

    files = upstream_files("cal", "util-linux", "util-linux", ("tests/ts/cal/*",))
    cases: dict[str, Case] = {}
    for _, data in sorted(files.items()):
        for case in upstream_script_cases(data.decode()):
            cases.setdefault(repr(case.args), case)
    return tuple(cases.values())


@fixed_cases("cal", "upstream")
def upstream() -> list[Case]:
    return list(upstream_cases())
