"""Inputs for GNU awk: programs from a small grammar of awk itself (expressions and the string
and numeric built-ins, printf formats, regular expressions, fields and records, arrays, user
functions, getline, output redirection, gawk's extensions) and the command line around them
(``-f`` files and inline programs, ``-v``, ``-F``, ``--posix``/``--traditional``/``--lint``,
input files and stdin), plus gawk's own test suite from its Debian source package.

Every program is deterministic: arrays are walked in a sorted order (``PROCINFO["sorted_in"]``),
time functions get fixed times and a fixed ``TZ``, ``srand`` always a seed, and nothing reads
the clock, the process ids or the environment the runner sets.
"""

from __future__ import annotations

import json
import re
from functools import cache

from hypothesis import strategies as st

from mirror.specs.generators import fixed_cases, generator
from oracle.case import Case

WORDS = [
    "apple", "Bob", "carrot", "42", "3.5", "-7", "0x1A", "1e3", "foo", "x", "ZZ", "a.b", "007",
    "+5", ".5", "10", "2", "abc123", "Hello", "world", "b-c", "1,5", "0", "-0", "99bottles",
]  # fmt: skip
SEPARATORS = [" ", " ", "  ", "\t", ",", ":", ";", " | "]
REGEXES = [
    "a", "^a", "b$", "[0-9]+", "[[:alpha:]]+", "[[:digit:]]", "[^a-z]", "o+", "(ab|cd)",
    "x*", "a.c", "\\.", "[A-Z][a-z]*", "^$", "[[:space:]]+", "l{2}", "(o|e)(r|l)", "^[+-]?[0-9]+$",
    "[[:upper:]]", "\\<w", "b\\>", "[aeiou]{1,2}", "[[:punct:]]", ".", "\\/",
]  # fmt: skip
VARIABLES = ["x", "y", "s", "n"]
FIELD_SEPARATORS = [",", ":", "\\t", "[,:]", " ", "  *", "|", "\\|", "[0-9]", "", "ab", "-"]
# POSIX TZ strings with their rules: no time zone database needed, in any box.
TIME_ZONES = [
    "UTC0",
    "EST5EDT,M3.2.0,M11.1.0",
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "JST-9",
    "<+0530>-5:30",
    "NZST-12NZDT,M9.5.0,M4.1.0/3",
]


def quote(text: str) -> str:
    """An awk string literal of ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def regex_literal(pattern: str) -> str:
    """An awk regular expression literal of ``pattern`` (whose slashes are escaped already)."""
    return f"/{pattern}/"


words = st.one_of(st.sampled_from(WORDS), st.text("abcxyz019.-", min_size=1, max_size=6))
numbers = st.one_of(
    st.integers(-20, 20).map(str),
    st.integers(-(2**53), 2**53).map(str),
    st.sampled_from(["0.1", "1e3", "2.5", "-3.75", "1e300", "1e-5", "0x10", "1/3", "100000000"]),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.6g}"),
)
regexes = st.sampled_from(REGEXES)


def lines(min_size: int = 0, max_size: int = 6) -> st.SearchStrategy[str]:
    """Input text: records of fields, one separator a document, sometimes a blank line."""
    record = st.lists(words, min_size=0, max_size=5)
    return st.tuples(
        st.lists(record, min_size=min_size, max_size=max_size),
        st.sampled_from(SEPARATORS),
        st.booleans(),
    ).map(lambda p: "".join(p[1].join(r) + "\n" for r in p[0]) + ("" if p[2] else "\n"))


def expressions(depth: int = 0) -> st.SearchStrategy[str]:
    """An arithmetic, string, comparison, matching or built-in expression."""
    atoms = st.one_of(
        numbers,
        words.map(quote),
        st.sampled_from(["$1", "$2", "$NF", "NR", "NF", "$0", "x", "y", "s", "n", "length"]),
    )
    if depth >= 2:
        return atoms
    inner = expressions(depth + 1)
    operators = ["+", "-", "*", "/", "%", "^", " ", "<", "<=", "==", "!=", ">", ">=", "&&", "||"]
    binary = st.tuples(inner, st.sampled_from(operators), inner).map(
        lambda p: f"({p[0]} {p[1]} {p[2]})"
    )
    # The operand in parentheses: `- -5` written `--5` would be a decrement.
    unary = st.tuples(st.sampled_from(["-", "!", "+"]), inner).map(lambda p: f"{p[0]}({p[1]})")
    matching = st.tuples(inner, st.sampled_from(["~", "!~"]), regexes).map(
        lambda p: f"({p[0]} {p[1]} {regex_literal(p[2])})"
    )
    ternary = st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} ? {p[1]} : {p[2]})")
    small = st.integers(-2, 6).map(str)
    builtins = st.one_of(
        st.tuples(
            st.sampled_from(
                [
                    "length",
                    "toupper",
                    "tolower",
                    "int",
                    "sqrt",
                    "exp",
                    "log",
                    "sin",
                    "cos",
                    "typeof",
                    "strtonum",
                    "compl",
                ]
            ),
            inner,
        ).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(inner, small, small).map(lambda p: f"substr({p[0]}, {p[1]}, {p[2]})"),
        st.tuples(inner, small).map(lambda p: f"substr({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"index({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"atan2({p[0]}, {p[1]})"),
        st.tuples(st.sampled_from(["and", "or", "xor", "lshift", "rshift"]), small, small).map(
            lambda p: f"{p[0]}({p[1]} + 0, {p[2]} + 0)"
        ),
        st.tuples(inner, regexes).map(lambda p: f"match({p[0]}, {regex_literal(p[1])})"),
        st.tuples(inner, st.sampled_from(["", ",", "[a-c]", " "])).map(
            lambda p: f"split({p[0]}, parts, {quote(p[1])})"
        ),
    )
    return st.one_of(atoms, binary, unary, matching, ternary, builtins)


# printf conversions and how many values each takes.
FORMATS = {
    "%d": 1, "%i": 1, "%5d": 1, "%-5d|": 1, "%05d": 1, "%+d": 1, "% d": 1, "%o": 1, "%#o": 1,
    "%x": 1, "%#X": 1, "%u": 1, "%c": 1, "%s": 1, "%10s|": 1, "%-10s|": 1, "%.2s": 1, "%e": 1,
    "%.3E": 1, "%f": 1, "%8.3f": 1, "%-8.2f|": 1, "%g": 1, "%G": 1, "%#g": 1, "%.0f": 1,
    "%%": 0, "%*d": 2, "%.*f": 2, "%-*.*s|": 3, "%5%": 0, "%a": 1, "%'d": 1, "%i%%": 1,
    "%.10g": 1, "%#x": 1, "%+.2e": 1, "%c%c": 2, "%.3d": 1, "%F": 1,
}  # fmt: skip
# Formats naming their values by position (all or none of a format's conversions must).
POSITIONAL = ["%1$s", "%2$s %1$s", "%1$d %1$x %1$o", "%2$*1$d|", "%3$s-%1$s-%2$s"]
values = st.one_of(numbers, words.map(quote), st.just("$1"), st.just("-1"), st.just('"A"'))


def printf_statement() -> st.SearchStrategy[str]:
    """A printf whose values match its conversions (at least: awk ignores the extra ones)."""
    plain = st.lists(st.sampled_from(sorted(FORMATS)), min_size=1, max_size=3).flatmap(
        lambda fmts: st.tuples(
            st.just(" ".join(fmts)),
            st.lists(values, min_size=sum(FORMATS[f] for f in fmts),
                     max_size=sum(FORMATS[f] for f in fmts) + 1),
        )
    )  # fmt: skip
    positional = st.tuples(st.sampled_from(POSITIONAL), st.lists(values, min_size=3, max_size=3))
    return st.one_of(plain, plain, plain, positional).map(
        lambda p: f"printf {quote(p[0] + chr(10))}{''.join(', ' + v for v in p[1])}"
    )


def simple_statements() -> st.SearchStrategy[str]:
    variable = st.sampled_from(VARIABLES)
    return st.one_of(
        st.tuples(variable, expressions(1)).map(lambda p: f"{p[0]} = {p[1]}"),
        st.tuples(variable, st.sampled_from(["+=", "-=", "*=", "/=", "%=", "^="]), numbers).map(
            lambda p: f"{p[0]} {p[1]} {p[2]}"
        ),
        st.lists(expressions(1), min_size=0, max_size=3).map(lambda es: "print " + ", ".join(es)),
        printf_statement(),
        st.tuples(variable, st.sampled_from(["++", "--"])).map(lambda p: f"{p[0]}{p[1]}"),
        st.tuples(st.integers(0, 4), expressions(1)).map(lambda p: f"${p[0]} = {p[1]}"),
        st.tuples(
            st.sampled_from(["sub", "gsub"]), regexes, st.sampled_from(["X", "[&]", "\\\\&", ""])
        ).map(lambda p: f"{p[0]}({regex_literal(p[1])}, {quote(p[2])})"),
        st.sampled_from(
            [
                "NF = 2",
                "$0 = toupper($0)",
                '$5 = "e"',
                "next",
                "k[$1]++",
                "delete k[$1]",
                'OFS = "-"; $1 = $1',
                "k[NR] = $0",
                "k[$2] = NF",
            ]
        ),
    )


# Compound statements: {e} an expression, {n} a bound, {a} and {b} bodies, {d} the depth (so
# nested loops count with their own variables).
COMPOUND = [
    "if ({e}) {{ {a} }} else {{ {b} }}",
    "for (i{d} = 1; i{d} <= {n}; i{d}++) {{ {a} }}",
    "j{d} = 0; while (j{d}++ < {n}) {{ {a} }}",
    "j{d} = 0; do {{ {a} }} while (++j{d} < {n})",
    "for (w{d} in k) {{ {a}; print w{d}, k[w{d}] }}",
    'switch ({e}) {{ case 1: {a}; break; case /a/: {b}; default: print "d" }}',
]


def statements(depth: int = 0) -> st.SearchStrategy[list[str]]:
    """A statement list; loops are bounded by a counter the body never assigns."""
    simple = simple_statements()
    if depth >= 2:
        return st.lists(simple, min_size=1, max_size=3)
    body = statements(depth + 1).map(lambda ss: "; ".join(ss))
    compound = st.tuples(st.sampled_from(COMPOUND), expressions(1), st.integers(0, 4), body, body)
    compound = compound.map(lambda p: p[0].format(e=p[1], n=p[2], a=p[3], b=p[4], d=depth))
    return st.lists(st.one_of(simple, simple, compound), min_size=1, max_size=4)


def rules() -> st.SearchStrategy[str]:
    """A pattern-action rule."""
    patterns = st.one_of(
        st.just(""),
        regexes.map(regex_literal),
        expressions(1),
        st.sampled_from(
            [
                "NR == 2",
                "NR % 2",
                "NF > 2",
                "$1 ~ /^[0-9]/",
                "!/a/",
                "NR == 1, NR == 3",
                "/a/, /b/",
                "END",
                "BEGIN",
                "BEGINFILE",
                "ENDFILE",
                "length > 5",
            ]
        ),
    )
    # Sometimes the action ends the input or the run.
    ending = st.sampled_from(["", "", "", "", "", "", "exit", "exit 3", "exit NR", "nextfile"])
    return st.tuples(patterns, statements(), ending).map(
        lambda p: f"{p[0]} {{ {'; '.join([*p[1], p[2]] if p[2] else p[1])} }}"
    )


SORTED = 'BEGIN { PROCINFO["sorted_in"] = "@ind_str_asc" }\n'


def programs() -> st.SearchStrategy[str]:
    return st.lists(rules(), min_size=1, max_size=4).map(lambda rs: SORTED + "\n".join(rs) + "\n")


def runs(
    program: str, how: str, text: str, options: tuple[str, ...] = (), files: dict | None = None
) -> Case:
    """A case running ``program`` (a ``-f`` file or inline) on ``text`` (stdin or a file)."""
    extra = dict(files or {})
    if how in ("file", "file-input"):
        args: tuple[str, ...] = (*options, "-f", "prog.awk")
        extra["prog.awk"] = program.encode()
    else:
        args = (*options, program)
    if how == "file-input":
        return Case(args=(*args, "input.txt"), files={**extra, "input.txt": text.encode()})
    return Case(args=args, stdin=text.encode(), files=extra)


HOW = st.sampled_from(["file", "inline", "file-input", "inline"])


@generator("gawk", "programs")
def program_cases() -> st.SearchStrategy[Case]:
    return st.tuples(programs(), HOW, lines()).map(lambda p: runs(*p))


@generator("gawk", "expressions")
def expression_cases() -> st.SearchStrategy[Case]:
    """Expressions printed in BEGIN and per record: conversions, comparisons, built-ins."""
    header = st.sampled_from(["", 'CONVFMT = "%.2g"; ', 'OFMT = "%.3f"; ', 'x = 1; s = "10"; '])
    shown = st.lists(expressions(), min_size=1, max_size=3).map(", ".join)
    return st.tuples(header, shown, HOW, lines(0, 3)).map(
        lambda p: runs(f"{{ {p[0]}print {p[1]} }}\nEND {{ print NR, x, y }}\n", p[2], p[3])
    )


@generator("gawk", "printf")
def printf_cases() -> st.SearchStrategy[Case]:
    # Now and then the last printf falls short of a value: a fatal error.
    short = st.one_of(*[st.just("")] * 5, st.sampled_from([f"printf {quote(f)}" for f in FORMATS]))
    return st.tuples(st.lists(printf_statement(), min_size=1, max_size=4), short, HOW).map(
        lambda p: runs("BEGIN { " + "; ".join([*p[0], p[1]] if p[1] else p[0]) + " }\n", p[2], "")
    )


@generator("gawk", "regex")
def regex_cases() -> st.SearchStrategy[Case]:
    """Matching, substitution and splitting with regular expressions, literal and dynamic."""
    target = st.sampled_from(["$0", "$1", "$2", "s"])
    replacement = st.sampled_from(["X", "<&>", "\\\\&", "", "[\\\\1]", "\\\\0\\\\0", "-"])
    how = st.sampled_from(["g", "G", "1", "2"])
    operation = st.one_of(
        st.tuples(regexes, target).map(
            lambda p: f"print match({p[1]}, {regex_literal(p[0])}), RSTART, RLENGTH"
        ),
        st.tuples(regexes, target).map(
            lambda p: f"print match({p[1]}, {regex_literal(p[0])}, m), m[0], length(m)"
        ),
        st.tuples(st.sampled_from(["sub", "gsub"]), regexes, replacement, target).map(
            lambda p: f"n = {p[0]}({regex_literal(p[1])}, {quote(p[2])}, {p[3]}); print n, {p[3]}"
        ),
        st.tuples(regexes, replacement, how, target).map(
            lambda p: f"print gensub({regex_literal(p[0])}, {quote(p[1])}, {quote(p[2])}, {p[3]})"
        ),
        st.tuples(regexes, target).map(
            lambda p: (
                f"n = split({p[1]}, a, {regex_literal(p[0])}, seps); "
                'for (i = 1; i <= n; i++) printf "[%s|%s]", a[i], seps[i]; print ""'
            )
        ),
        st.tuples(regexes, target).map(
            lambda p: f"n = patsplit({p[1]}, a, {regex_literal(p[0])}); print n, a[1], a[n]"
        ),
        st.tuples(regexes, target).map(lambda p: f"print ({p[1]} ~ {quote(p[0])})"),
        regexes.map(lambda r: f'if ({regex_literal(r)}) print NR ": " $0'),
        st.tuples(regexes, target).map(
            lambda p: f"IGNORECASE = 1; print ({p[1]} ~ {regex_literal(p[0])}); IGNORECASE = 0"
        ),
    )
    options = st.sampled_from([(), (), (), ("--posix",), ("--traditional",), ("--re-interval",)])
    return st.tuples(st.lists(operation, min_size=1, max_size=4), HOW, lines(1, 4), options).map(
        lambda p: runs('{ s = $0 "!"; ' + "; ".join(p[0]) + " }\n", p[1], p[2], p[3])
    )


@generator("gawk", "fields")
def field_cases() -> st.SearchStrategy[Case]:
    """Field and record splitting: -F, FS, OFS, RS (paragraphs, regexes), FIELDWIDTHS, FPAT."""
    assignments = {
        "FS": FIELD_SEPARATORS,
        "RS": ["", "\\n\\n", ";", "[0-9]+", "a|b", "\\t", "x*"],
        "OFS": ["-", "\\t", ""],
        "ORS": ["--", "|\\n", ""],
        "FIELDWIDTHS": ["2 3 1", "1 2:2 *", "3 3", "1 1 1 1"],
        "FPAT": ["[^,]+", '([^,]*)|("[^"]+")', "[a-z]+", "[0-9]+"],
    }
    setting = st.one_of(
        st.sampled_from(FIELD_SEPARATORS).map(lambda fs: ("-F", fs)),
        *(
            st.sampled_from(vs).map(lambda v, k=k: ("-v", f"{k}={v}"))
            for k, vs in assignments.items()
        ),
    )
    body = st.sampled_from([
        "print NF, $1, $NF", "print NR \": \" $0", "$1 = $1; print", "print $2, RT",
        "NF = 2; print", "$(NF + 2) = \"new\"; print; print NF",
        "for (i = NF; i > 0; i--) printf \"%s|\", $i; print \"\"",
        "print length($0), FNR", "$3 = \"\"; print; print NF", "n = split($0, a); print n, a[1]",
        "print $1 $2", "print $-0", "$0 = \"re set\"; print $2, NF",
    ])  # fmt: skip
    text = st.one_of(lines(1, 6), st.text("ab,:; \t\n019", max_size=30))
    return st.tuples(st.lists(setting, max_size=2), body, HOW, text).map(
        lambda p: runs(f"{{ {p[1]} }}\nEND {{ print NR }}\n", p[2], p[3],
                       tuple(w for pair in p[0] for w in pair))
    )  # fmt: skip


@generator("gawk", "arrays")
def array_cases() -> st.SearchStrategy[Case]:
    """Arrays: counting, deletion, ``in``, SUBSEP, sorted traversal, asort and asorti."""
    order = st.sampled_from([
        "@ind_str_asc", "@ind_str_desc", "@ind_num_asc", "@ind_num_desc", "@val_str_asc",
        "@val_num_asc", "@val_num_desc", "@val_type_asc", "@val_str_desc",
    ])  # fmt: skip
    build = st.sampled_from([
        "{ for (i = 1; i <= NF; i++) count[$i]++ }",
        "{ count[NR] = $1; count[$1 \"\"] = NR }",
        "{ count[$1, $2] = NF }",
        "{ split($0, parts); for (p in parts) count[parts[p]] = length(parts[p]) }",
        "{ count[$NF] = $0; delete count[$1] }",
    ])  # fmt: skip
    report = st.sampled_from([
        "for (k in count) print k, count[k]",
        "n = asort(count, sorted); for (i = 1; i <= n; i++) print i, sorted[i]",
        "n = asorti(count, keys); for (i = 1; i <= n; i++) print i, keys[i]",
        "n = asort(count, sorted, \"@val_str_desc\"); print n, sorted[1], sorted[n]",
        "for (k in count) { split(k, pair, SUBSEP); print pair[1] \"/\" pair[2] }",
        "print length(count); delete count; print length(count)",
        "print (\"a\" in count), ((\"a\", \"b\") in count), isarray(count)",
        "for (k in count) if (k ~ /^[0-9]+$/) delete count[k]; for (k in count) print k",
        "sub_total = 0; for (k in count) sub_total += count[k]; print sub_total",
    ])  # fmt: skip
    return st.tuples(order, build, st.lists(report, min_size=1, max_size=3), HOW, lines(1, 6)).map(
        lambda p: runs(
            f'BEGIN {{ PROCINFO["sorted_in"] = "{p[0]}" }}\n{p[1]}\nEND {{ {"; ".join(p[2])} }}\n',
            p[3],
            p[4],
        )
    )


@generator("gawk", "functions")
def function_cases() -> st.SearchStrategy[Case]:
    """User functions: recursion, local variables, arrays by reference, indirect calls."""
    definitions = st.permutations([
            "function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }",
            "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }",
            "function rev(s,   r, i) { for (i = length(s); i > 0; i--) r = r substr(s, i, 1); "
            "return r }",
            "function fill(arr, n,   i) { for (i = 1; i <= n; i++) arr[i] = i * i; return n }",
            "function max(a, b) { return a > b ? a : b }",
            "function join(arr, n, sep,   i, r) { r = arr[1]; "
            "for (i = 2; i <= n; i++) r = r sep arr[i]; return r }",
            "function noret(x) { x = x + 1 }",
            "function glob() { g++; return g }",
    ])  # fmt: skip
    calls = st.lists(
        st.sampled_from([
            "print fact($1 % 12)", "print fib(NR + 3)", "print rev($0)",
            "print fill(sq, NF), sq[NF]",
            "print max($1, $2), max($2 \"\", $1 \"\")", "n = split($0, w); print join(w, n, \"+\")",
            "print noret(5) \"|\"", "print glob(), glob()", "f = \"rev\"; print @f($1)",
            "print length(sq)", "print fact(-1), rev(\"\")", "print gen($1, NR), x, n, s",
            "print gen(gen(1, 2), $2)",
        ]),
        min_size=1, max_size=3,
    )  # fmt: skip
    # One more drawn from the statement grammar: its parameters shadow the globals x and n.
    generated = statements(1).map(
        lambda body: f'function gen(x, n,   s) {{ {"; ".join(body)}; return x "/" n "/" s }}'
    )
    return st.tuples(definitions, generated, calls, LIBRARY, HOW, lines(1, 4)).map(
        lambda p: library_runs(SORTED + "\n".join([*p[0], p[1]]) + "\n", p[2], *p[3:])
    )


# How a program finds its library of functions: in the program itself, an @include of a case
# file, -i (--include), or a second -f.
LIBRARY = st.sampled_from(["inline", "inline", "@include", "-i", "-f"])


def library_runs(library: str, calls: list[str], where: str, how: str, text: str) -> Case:
    """A case whose rule makes ``calls`` into the functions of ``library``."""
    rule = "{ " + "; ".join(calls) + " }\n"
    if where == "inline":
        return runs(library + rule, how, text)
    files = {"lib.awk": library.encode()}
    if where == "@include":
        return runs('@include "lib.awk"\n' + rule, how, text, files=files)
    options = ("-i", "lib") if where == "-i" else ("-f", "lib.awk")
    return runs(rule, how if how.startswith("file") else "file", text, options, files)


@generator("gawk", "io")
def io_cases() -> st.SearchStrategy[Case]:
    """getline in its forms, several input files, FILENAME/FNR, and output redirected to files
    (the outcome records the files written)."""
    action = st.sampled_from([
        'print NR, $0 > "out.txt"', 'print FILENAME, FNR >> "log.txt"',
        'printf "%s;", $1 > "out.txt"',
        'print $1 > ($1 ~ /^[a-z]/ ? "lower.txt" : "other.txt")', 'print > "/dev/stderr"',
        'if ((getline line < "data.txt") > 0) print "data:", line; else print "eof"',
        'if ((getline) > 0) print "next:", $0', 'getline v; print "v=" v, NR',
        'while ((getline line < "data.txt") > 0) n++; close("data.txt"); print n',
        'print (getline line < "missing.txt")', 'print $0 | "cat"; close("cat")',
        '"echo piped" | getline p; print p', 'print close("out.txt"), close("nothing")',
        'print FILENAME ":" FNR ":" NR', 'print $0 > "/dev/stdout"',
        'printf "%s\\n", $0 | "sort -r > sorted.txt"',
    ])  # fmt: skip
    data = lines(0, 3)
    inputs = st.sampled_from(
        [
            ("input.txt",),
            ("input.txt", "data.txt"),
            ("data.txt", "-"),
            ("input.txt", "x=5", "data.txt"),
            ("input.txt", "-", "input.txt"),
            ("data.txt", "input.txt"),
            ("missing.txt", "input.txt"),
            (),
            (),
        ]
    )
    return st.tuples(st.lists(action, min_size=1, max_size=3), inputs, data, data, data).map(
        lambda p: Case(
            args=("{ " + "; ".join(p[0]) + " }\nEND { print NR, x }", *p[1]),
            stdin=p[2].encode(),
            files={"input.txt": p[3].encode(), "data.txt": p[4].encode(), "out.txt": b"old\n"},
        )
    )


@generator("gawk", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """Options and operands: -v, -F, -f twice, -e, --, ARGV/ARGC, var=value operands."""
    show = (
        'BEGIN { for (i = 0; i < ARGC; i++) print i, ARGV[i]; print "v=" v } { print FILENAME, $0 }'
    )
    option = st.one_of(
        st.sampled_from(
            [
                ("-v", "v=1"),
                ("-v", "v=a\\tb"),
                ("-v", "v=3.0"),
                ("-F", ":"),
                ("--posix",),
                ("--traditional",),
                ("--lint",),
                ("-e", 'BEGIN { print "e" }'),
                ("--",),
                ("-v", "1bad=2"),
                ("-q",),
                ("--lint=fatal",),
                ("-v",),
                ("-f", "nofile.awk"),
                ("-c",),
                ("-P",),
                ("--sandbox",),
                ("-n",),
                ("-S",),
            ]
        ),
    )
    operands = st.lists(st.sampled_from(["in.txt", "v=2", "-", "x", "v=", "in.txt"]), max_size=3)
    return st.tuples(st.lists(option, max_size=3), st.booleans(), operands, lines(0, 2)).map(
        lambda p: Case(
            args=(*(w for o in p[0] for w in o), *(("-f", "prog.awk") if p[1] else (show,)), *p[2]),
            files={"prog.awk": show.encode(), "in.txt": b"one\ntwo\n"},
            stdin=p[3].encode(),
        )
    )


@generator("gawk", "errors")
def error_cases() -> st.SearchStrategy[Case]:
    """Fatal run-time errors, lint warnings and syntax errors (a program with one byte cut)."""
    runtime = st.sampled_from([
        "BEGIN { print 1 / 0 }", "BEGIN { print 5 % 0 }", "BEGIN { x[1] = 1; x = 2 }",
        "BEGIN { printf \"%d %d\\n\", 1 }", "BEGIN { getline < \"/nonexistent/x\"; print \"ok\" }",
        "BEGIN { f() }", "function f(a) { a[1] = 1 } BEGIN { x = 1; f(x) }",
        "BEGIN { print > \"/nonexistent/dir/file\" }", "BEGIN { $-1 = 2 }", "BEGIN { NF = -1 }",
        "BEGIN { print substr(\"abc\", 0, -1) \"|\" }", "BEGIN { print length(x); x[1] }",
        "BEGIN { print sqrt(-1), log(-1), log(0) }", "BEGIN { print exp(1000) }",
        "BEGIN { print strtonum(\"0x\") strtonum(\"017\") }", "BEGIN { exit -1 }",
        "BEGIN { print index(\"abc\", /b/) }", "BEGIN { split(\"a b\", a); print a }",
        "BEGIN { printf \"%z\\n\", 1 }", "BEGIN { print toupper() }", "BEGIN { close() }",
        "BEGIN { while (1) if (++n > 5) break; print n }", "function f(f) { } BEGIN { }",
        "BEGIN { print \"unterminated }", "BEGIN { print / }", "BEGIN { a = \"x\"; a[1] = 1 }",
        "BEGIN { print length() }", "{ print $(-1) }", "BEGIN { nextfile }", "END { next }",
        "function f() { return } function f() { } BEGIN { }", "BEGIN { @x() }",
        "BEGIN { print substr(\"hello\", 2.5, 1.5) }", "BEGIN { x = \"A\"; print x++ x }",
    ])  # fmt: skip
    broken = programs().flatmap(
        lambda text: st.integers(len(SORTED), max(len(SORTED), len(text) - 1)).map(
            lambda cut: text[:cut] + text[cut + 1 :]
        )
    )
    options = st.sampled_from([(), (), ("--lint",), ("--posix",), ("--traditional",)])
    return st.tuples(st.one_of(runtime, broken), HOW, lines(0, 2), options).map(
        lambda p: runs(p[0] + "\n", p[1], p[2], p[3])
    )


@generator("gawk", "time")
def time_cases() -> st.SearchStrategy[Case]:
    """strftime and mktime at fixed times, in a fixed time zone (TZ from the case)."""
    fmt = st.lists(
        st.sampled_from(
            [
                "%Y-%m-%d",
                "%H:%M:%S",
                "%a %b %e",
                "%j",
                "%U %W %V",
                "%Z %z",
                "%s",
                "%c",
                "%D %T",
                "%p %I",
                "%%",
                "%G-%u",
                "%C%y",
                "%A %B",
                "%x %X",
            ]
        ),
        min_size=1,
        max_size=3,
    ).map(" ".join)
    stamp = st.one_of(st.integers(0, 2**31), st.integers(-(10**9), 4 * 10**9))
    spec = st.tuples(
        st.integers(1960, 2040),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(-1, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.integers(-1, 1),
    ).map(lambda t: " ".join(map(str, t)))
    call = st.one_of(
        st.tuples(fmt, stamp).map(lambda p: f"print strftime({quote(p[0])}, {p[1]})"),
        st.tuples(fmt, stamp).map(lambda p: f"print strftime({quote(p[0])}, {p[1]}, 1)"),
        spec.map(lambda s: f"print mktime({quote(s)})"),
        spec.map(lambda s: f't = mktime({quote(s)}); print t, strftime("%F %T", t)'),
        spec.map(lambda s: f"print mktime({quote(s)}, 1)"),
    )
    return st.tuples(st.lists(call, min_size=1, max_size=3), st.sampled_from(TIME_ZONES)).map(
        lambda p: Case(args=("BEGIN { " + "; ".join(p[0]) + " }",), env={"TZ": p[1]})
    )


@generator("gawk", "pretty-print")
def pretty_print_cases() -> st.SearchStrategy[Case]:
    """The program pretty-printed (-o, --pretty-print), to stdout or to a file, not run: the
    grammar's programs, with user functions and comments."""
    comment = st.sampled_from(["", "# a comment\n", "BEGIN { x = 1 } # trailing\n"])
    functions = st.sampled_from([
        "", "function f(a, b,   c) { c = a b; return c }\n",
        "function g(n) { if (n <= 1) return 1; else return n * g(n - 1) }\n",
    ])  # fmt: skip
    # -o alone writes awkprof.out; the outcome records the files written.
    where = st.sampled_from([("-o-",), ("--pretty-print=-",), ("-o",), ("--pretty-print=o.awk",)])
    how = st.sampled_from(["file", "inline"])
    return st.tuples(comment, functions, programs(), where, how).map(
        lambda p: runs(p[0] + p[1] + p[2], p[4], "", p[3])
    )


# ---- gawk's own test suite (test/ of Debian's source package gawk) --------------------------

# Lists of test/Makefile.am whose tests its generated rules run as `gawk -f NAME.awk < NAME.in`.
SUITES = ("BASIC_TESTS", "UNIX_TESTS", "GAWK_EXT_TESTS", "LOCALE_CHARSET_TESTS")
# Options the generated rule adds for the tests in each list.
OPTIONS = {
    "NEED_LINT": "--lint", "NEED_LINT_OLD": "--lint-old", "NEED_POSIX": "--posix",
    "NEED_NONDEC": "--non-decimal-data", "NEED_RE_INTERVAL": "--re-interval",
    "NEED_SANDBOX": "--sandbox", "NEED_TRADITIONAL": "--traditional",
}  # fmt: skip
# Left out: tests of the debugger, the pretty printer and profiler, MPFR arithmetic (-M), the
# persistent memory allocator, and locales the boxes do not have; and tests that read the
# clock, the process ids, the environment or the machine.
SKIPPED_LISTS = (
    "NEED_DEBUG",
    "NEED_MPFR",
    "NEED_PRETTY",
    "NEED_PMA",
    "NEED_LOCALE_JP",
    "NEED_LOCALE_RU",
    "NEED_LOCALE_EN",
)
MACHINE_DEPENDENT = {
    "pid", "rand", "randtest", "strftime", "strftlng", "getlndir", "devfd", "devfd1", "devfd2",
    "errno", "timeout", "pty1", "pty2", "clos1way6", "procinfs", "symtab1", "symtab6", "symtab8",
    "dumpvars", "manyfiles", "sigpipe1", "id", "mtchi18n", "nlstringtest", "awkpath",
}  # fmt: skip
INCLUDE = re.compile(rb'^@include\s+"([^"]+)"', re.MULTILINE)


def _lists(makefile: str) -> dict[str, list[str]]:
    """The ``NAME = words`` assignments of a Makefile, continuation lines joined."""
    joined = makefile.replace("\\\n", " ")
    return {
        m.group(1): m.group(2).split()
        for m in re.finditer(r"^([A-Z_0-9]+)\s*=(.*)$", joined, re.MULTILINE)
    }


@cache
def upstream_cases() -> tuple[Case, ...]:
    """Cases from gawk's test/: every test its Makefile runs by the generated rule."""
    from mirror.suites.upstream import upstream_files

    tree = upstream_files("gawk", "gawk", "gawk", ("test/*.awk", "test/*.in", "test/Makefile.am"))
    test = {path.removeprefix("test/"): data for path, data in tree.items()}
    makefile = test["Makefile.am"].decode()
    lists = _lists(makefile)
    explicit = set(re.findall(r"^([a-z0-9_-]+)\s*:", makefile, re.MULTILINE))
    skipped = {name for key in SKIPPED_LISTS for name in lists.get(key, [])} | MACHINE_DEPENDENT
    cases: list[Case] = []
    for name in sorted({name for key in SUITES for name in lists.get(key, [])}):
        if name in explicit or name in skipped or f"{name}.awk" not in test:
            continue
        program = test[f"{name}.awk"]
        files = {f"{name}.awk": program}
        for included in INCLUDE.findall(program):
            stem = included.decode()
            for candidate in (stem, f"{stem}.awk"):
                if candidate in test:
                    files[candidate] = test[candidate]
        options = tuple(flag for key, flag in OPTIONS.items() if name in lists.get(key, []))
        cases.append(
            Case(
                args=("-f", f"{name}.awk", *options),
                stdin=test.get(f"{name}.in", b""),
                files=files,
            )
        )
    unique = {json.dumps(case.to_json(), sort_keys=True): case for case in cases}
    return tuple(unique.values())


@fixed_cases("gawk", "upstream")
def upstream() -> list[Case]:
    return list(upstream_cases())
