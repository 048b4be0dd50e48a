"""Inputs for GCC's C preprocessor: C sources and headers from a small grammar of the
preprocessor's own language (object- and function-like macros with ``#``, ``##`` and variadic
arguments, ``#if`` expressions, includes with guards and search paths, the other directives,
comments, line splices and trigraphs) and the command line around them.

Every case is deterministic: no ``__DATE__``, ``__TIME__`` or ``__TIMESTAMP__`` (the clock and
the files' times), no ``-v``, ``-Q`` or ``-ftime-report`` (paths of the box, timings).
"""

from __future__ import annotations

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

NAMES = ["a", "b", "x", "y", "f", "g", "F", "G", "X", "Y", "N", "CAT", "STR", "EMPTY", "_Z1"]
PARAMS = ["x", "y", "z", "a1", "b_"]
SOURCES = ["main.c", "t.c", "prog.c", "src/m.c", "a_b.c", "lib/x.h", "in.i"]
PUNCTUATORS = ["+", "-", "*", "/", "%", "<<", ">>", "<", "<=", "==", "!=", "&&", "||", "&",
               "|", "^", "~", "!", "?", ":", ";", ",", ".", "->", "++", "--", "=", "+=", "[",
               "]", "{", "}", "(", ")", "...", "<:", ":>", "<%", "%>", "%:", "@", "$",
               "`"]  # fmt: skip
NUMBERS = ["0", "1", "2", "7", "10", "42", "0x1F", "017", "1u", "2L", "3ul", "1e+5", "0x1p-3",
           "1.5f", "12_ab", ".5", "1..2", "08", "0b101", "1'0"]  # fmt: skip
LITERALS = ['"s"', '""', '"a b"', '"q\\"q"', '"/* no */"', "'c'", "'\\n'", "'\\''", 'L"w"',
            "u8\"u\"", "'ab'"]  # fmt: skip
STANDARDS = ["-std=c89", "-std=c99", "-std=c11", "-std=c17", "-std=c2x", "-std=gnu89",
             "-std=gnu99", "-std=gnu11", "-std=gnu17", "-std=gnu2x", "-ansi",
             "-std=iso9899:199409"]  # fmt: skip
WARNINGS = ["-w", "-Wall", "-Wextra", "-Wundef", "-Wunused-macros", "-Werror", "-pedantic",
            "-pedantic-errors", "-Wtraditional", "-Wcomment", "-Wno-cpp", "-Wexpansion-to-defined",
            "-Wendif-labels", "-Wno-endif-labels", "-Wtrigraphs", "-fmax-errors=1"]  # fmt: skip


def join_lines(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


names = st.sampled_from(NAMES)
numbers = st.sampled_from(NUMBERS)
sources = st.sampled_from(SOURCES)
standards = st.sampled_from(STANDARDS)


def source_case(
    text: bytes, options: tuple[str, ...], name: str, extra: dict[str, bytes] | None = None
) -> Case:
    """A case preprocessing ``text`` as file ``name``, with ``options`` first."""
    return Case(args=(*options, name), files={name: text, **(extra or {})})


def front_options() -> st.SearchStrategy[tuple[str, ...]]:
    """A few options most runs could take: -P, a standard, warnings, -C, -o."""
    single = st.one_of(
        st.just(("-P",)),
        st.just(("-P",)),
        standards.map(lambda s: (s,)),
        st.sampled_from(WARNINGS).map(lambda w: (w,)),
        st.sampled_from([("-C",), ("-CC",), ("-o", "out.i"), ("-undef",), ("-trigraphs",)]),
    )
    return st.lists(single, max_size=3, unique=True).map(
        lambda groups: tuple(word for group in groups for word in group)
    )


# ---- macros ----------------------------------------------------------------------------------


def replacement(params: list[str], variadic: bool) -> st.SearchStrategy[str]:
    """A macro's replacement list: tokens, parameters, # and ## operators, calls."""
    words = [*params] + (["__VA_ARGS__"] if variadic else [])
    token = st.one_of(
        names,
        numbers,
        st.sampled_from(PUNCTUATORS[:24]),
        st.sampled_from(LITERALS),
        *([st.sampled_from(words)] * 3 if words else []),
        *([st.sampled_from(words).map(lambda w: f"#{w}")] if words else []),
        *([st.sampled_from(["__VA_OPT__(,)", "__VA_OPT__(x ## __VA_ARGS__)"])] if variadic else []),
        st.tuples(names, names).map(lambda p: f"{p[0]}({p[1]})"),
    )
    # ## only between two tokens: at either end it is an error every time.
    return st.lists(
        st.tuples(st.sampled_from([" ", " ", "", " ## ", "##", "  "]), token), max_size=6
    ).map(lambda items: "".join(sep + t for sep, t in items)[len(items[0][0]) if items else 0 :])


def definitions(variadic: bool = True) -> st.SearchStrategy[str]:
    """One ``#define`` (object-like, function-like, variadic unless not ``variadic``) or
    ``#undef``."""
    object_like = st.tuples(names, replacement([], False)).map(lambda p: f"#define {p[0]} {p[1]}")
    function_like = st.tuples(
        names,
        st.lists(st.sampled_from(PARAMS), max_size=3, unique=True),
        st.sampled_from(["", "", "...", "args..."] if variadic else [""]),
    ).flatmap(
        lambda p: replacement(p[1] + (["args"] if p[2] == "args..." else []), p[2] == "...").map(
            lambda body: f"#define {p[0]}({', '.join(p[1] + ([p[2]] if p[2] else []))}) {body}"
        )
    )
    undef = names.map(lambda n: f"#undef {n}")
    return st.one_of(object_like, function_like, function_like, undef)


def uses(depth: int = 0) -> st.SearchStrategy[str]:
    """A line of text that invokes macros, with nested calls and odd arguments."""
    atom = st.one_of(names, numbers, st.sampled_from(LITERALS), st.sampled_from(PUNCTUATORS[:20]))
    if depth < 2:
        argument = st.lists(st.one_of(atom, uses(depth + 1)), max_size=3).map(" ".join)
        call = st.tuples(names, st.lists(argument, max_size=4), st.sampled_from(["", " "])).map(
            lambda p: f"{p[0]}{p[2]}({', '.join(p[1])})"
        )
        atom = st.one_of(atom, call, call)
    return st.lists(atom, min_size=1, max_size=5).map(" ".join)


@generator("cprepro", "macros")
def macro_cases() -> st.SearchStrategy[Case]:
    """Definitions, then uses with a few late (re)definitions among them: rescanning, # and
    ##, variadic macros, errors."""
    return st.tuples(macro_text(), front_options(), sources).map(
        lambda p: source_case(p[0], p[1], p[2])
    )


def macro_text() -> st.SearchStrategy[bytes]:
    """Some definitions, then lines using them, a late definition or #undef among those."""
    return st.tuples(
        st.lists(definitions(), min_size=1, max_size=6),
        st.lists(uses(), min_size=1, max_size=5),
        st.lists(definitions(), max_size=2),
        st.integers(0, 5),
    ).map(lambda p: join_lines(p[0] + p[1][: p[3]] + p[2] + p[1][p[3] :]))


# ---- conditionals ----------------------------------------------------------------------------

INTEGERS = ["0", "1", "2", "3", "-1", "10", "255", "0x10", "0xff", "017", "1u", "2U", "4l", "5LL",
            "0xffffffffffffffff", "9223372036854775807", "'a'", "'\\0'", "'\\377'", "'ab'",
            "18446744073709551615u", "1000000"]  # fmt: skip
BINARY = ["+", "-", "*", "/", "%", "<<", ">>", "<", ">", "<=", ">=", "==", "!=", "&", "^", "|",
          "&&", "||"]  # fmt: skip


def expressions(depth: int = 0) -> st.SearchStrategy[str]:
    """An #if expression: literals, macros, defined, unary, binary and ternary operators."""
    atom = st.one_of(
        st.sampled_from(INTEGERS),
        names,
        names.map(lambda n: f"defined({n})"),
        names.map(lambda n: f"defined {n}"),
        st.sampled_from(["__has_include(\"h.h\")", "__has_include(<stddef.h>)", "true",
                         "__GNUC__", "__STDC_VERSION__", "__LINE__", "__has_include(<nope.h>)"]),
    )  # fmt: skip
    if depth >= 3:
        return atom
    inner = expressions(depth + 1)
    return st.one_of(
        atom,
        st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda p: f"{p[0]} {p[1]} {p[2]}"),
        st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(st.sampled_from(["-", "+", "!", "~"]), inner).map(lambda p: p[0] + p[1]),
        st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} ? {p[1]} : {p[2]})"),
    )


def conditional_blocks(depth: int = 0) -> st.SearchStrategy[list[str]]:
    """#if/#ifdef/#ifndef groups with #elif and #else, nested, around marked lines."""
    line = st.one_of(
        st.integers(1, 99).map(lambda n: f"line{n}"),
        st.tuples(names, st.sampled_from(INTEGERS[:12])).map(lambda p: f"#define {p[0]} {p[1]}"),
        names.map(lambda n: f"#undef {n}"),
        names.map(lambda n: f"value {n}"),
    )
    if depth >= 2:
        return st.lists(line, min_size=1, max_size=3)
    inner = conditional_blocks(depth + 1)
    opening = st.one_of(
        expressions().map(lambda e: f"#if {e}"),
        names.map(lambda n: f"#ifdef {n}"),
        names.map(lambda n: f"#ifndef {n}"),
    )
    group = st.tuples(
        opening,
        inner,
        st.lists(st.tuples(expressions(), inner), max_size=2),
        st.one_of(st.none(), inner),
    ).map(
        lambda p: [
            p[0],
            *p[1],
            *[line for cond, block in p[2] for line in (f"#elif {cond}", *block)],
            *(["#else", *p[3]] if p[3] is not None else []),
            "#endif",
        ]
    )
    return st.lists(st.one_of(line.map(lambda text: [text]), group), min_size=1, max_size=4).map(
        lambda groups: [text for group in groups for text in group]
    )


@generator("cprepro", "conditionals")
def conditional_cases() -> st.SearchStrategy[Case]:
    """Nested conditional groups whose #if expressions use arithmetic, macros and defined."""
    defines = st.lists(
        st.tuples(names, st.sampled_from(INTEGERS)).map(lambda p: f"-D{p[0]}={p[1]}"), max_size=2
    ).map(tuple)
    return st.tuples(conditional_blocks(), front_options(), defines, sources).map(
        lambda p: source_case(join_lines(p[0]), (*p[2], *p[1]), p[3], {"h.h": b"int h;\n"})
    )


# ---- includes --------------------------------------------------------------------------------

HEADERS = ["a.h", "b.h", "inc/c.h", "inc/sub/d.h", "sys/e.h", "other/c.h"]
SYSTEM = ["stddef.h", "stdarg.h", "limits.h", "stdbool.h", "float.h", "iso646.h", "stdalign.h",
          "stdnoreturn.h", "assert.h", "errno.h", "nosuch.h"]  # fmt: skip


def include_line(index: int) -> st.SearchStrategy[str]:
    """An #include of a later header (no cycle) or a system one, in one of its spellings."""
    later = HEADERS[index + 1 :]
    quoted = [f'#include "{h}"' for h in later] + [f"#include <{h}>" for h in later]
    basenames = [f'#include "{h.rsplit("/", 1)[-1]}"' for h in later]
    system = [f"#include <{h}>" for h in SYSTEM]
    choices = quoted + basenames + system + ["#include_next <c.h>", "#include MACRO_HEADER"]
    return st.sampled_from(choices)


def header_text(index: int) -> st.SearchStrategy[str]:
    """A header: maybe guarded or #pragma once, with definitions, text and includes."""
    guard = f"GUARD_{index}_H"
    body = st.lists(
        st.one_of(
            include_line(index),
            definitions(),
            st.integers(1, 9).map(lambda n: f"decl{index}_{n};"),
            st.integers(1, 9).map(lambda n: f"decl{index}_{n};"),
            st.just("__FILE__ __LINE__ __INCLUDE_LEVEL__"),
        ),
        min_size=1,
        max_size=4,
    )
    return st.tuples(st.sampled_from(["guard", "once", "none"]), body).map(
        lambda p: (
            "\n".join(
                {"guard": [f"#ifndef {guard}", f"#define {guard}"], "once": ["#pragma once"]}.get(
                    p[0], []
                )
                + p[1]
                + (["#endif"] if p[0] == "guard" else [])
            )
            + "\n"
        )
    )


SEARCH = [("-I", "inc"), ("-Iinc",), ("-I", "other"), ("-iquote", "inc"), ("-isystem", "sys"),
          ("-I", "inc/sub"), ("-idirafter", "other"), ("-include", "a.h"), ("-imacros", "b.h"),
          ("-nostdinc",), ("-I-",), ("-I", "."), ("-DMACRO_HEADER=\"b.h\"",),
          ("-DMACRO_HEADER=<c.h>",)]  # fmt: skip
REPORTS = [("-M",), ("-MM",), ("-H",), ("-MM", "-MG"), ("-MD", "-MF", "deps.d"), ("-M", "-MP"),
           ("-MM", "-MT", "x.o", "-MQ", "$y.o"), ("-dI",), ("-MMD", "-o", "out.i")]  # fmt: skip


@generator("cprepro", "includes")
def include_cases() -> st.SearchStrategy[Case]:
    """A main file and up to six headers in folders, include guards, search paths, -M."""
    headers = st.tuples(*(header_text(i) for i in range(len(HEADERS)))).map(
        lambda texts: dict(zip(HEADERS, texts, strict=True))
    )
    present = st.lists(st.sampled_from(HEADERS), min_size=4, max_size=6, unique=True)
    main = st.lists(
        st.one_of(include_line(-1), include_line(-1), st.just("main_text;"), definitions()),
        min_size=1,
        max_size=5,
    ).map(lambda lines: [*lines, "main_text;"])
    options = st.tuples(
        st.lists(st.sampled_from(SEARCH), max_size=3, unique=True),
        st.lists(st.sampled_from(REPORTS), max_size=1),
        st.sampled_from([(), (), ("-P",)]),
        st.sampled_from([(), ("-I.",), ("-I", ".", "-I", "inc")]),
    ).map(lambda p: tuple(word for group in (p[3], *p[0], *p[1], p[2]) for word in group))
    return st.tuples(headers, present, main, options).map(
        lambda p: Case(
            args=(*p[3], "main.c"),
            files={
                "main.c": join_lines(p[2]),
                **{name: p[0][name].encode() for name in p[1]},
            },
        )
    )


# ---- other directives ------------------------------------------------------------------------

DIRECTIVES = [
    "#line 10",
    '#line 20 "other.c"',
    '#line 5 "a.c" 3',
    '# 7 "m.c" 1',
    "#warning careful",
    "#warning",
    "#pragma once",
    "#pragma GCC poison f",
    "#pragma GCC system_header",
    '#pragma GCC warning "w"',
    '#pragma message("m")',
    '#pragma GCC dependency "h.h"',
    "#pragma STDC FENV_ACCESS ON",
    "#pragma weak sym",
    "#pragma unknown thing",
    '#pragma push_macro("X")',
    '#pragma pop_macro("X")',
    '_Pragma("GCC warning \\"from _Pragma\\"")',
    '#ident "id"',
    '#sccs "s"',
    "#",
    "# /* null */",
    "#define X",
    "#define X 1",
    "#define X 2",
    "#define f(x) x",
    "#define f(y) y",
    "#undef __FILE__",
    "#define __LINE__ 0",
    "#assert cpu(x86)",
    "#unassert cpu",
    '#import "h.h"',
    '#include "h.h"',
    "#undef X extra",
    "#if 1\nin if\n#endif",
    "#if 0\n#error hidden\n#endif",
    "#ifdef X\nX defined\n#else\nno X\n#endif",
    "#line 0",
]
# Each an error (most runs carry one at most, so what follows still shows).
FAULTS = [
    "#line x", "#line 2147483648", "#error stop here", "#error", '#error "quoted" text',
    '#pragma GCC error "e"', "_Pragma(1)", "#foo", "#undef", "#define", "#define f(x,x) x",
    "#define g(x", "#define __VA_ARGS__ 1", "#define defined", '#include_next "main.c"',
    "#if #cpu(x86)", "#include", "#include <>", '#include ""', "#if", "#elif", "#else", "#endif",
    "#elif 1", "#if 1",
]  # fmt: skip
TEXT = ["__FILE__ __LINE__", "X f(1) g(2)", "text here", "__COUNTER__", "__INCLUDE_LEVEL__",
        "__BASE_FILE__", "f", "__STDC_VERSION__ __STDC__", "s #x", "a ## b"]  # fmt: skip


@generator("cprepro", "directives")
def directive_cases() -> st.SearchStrategy[Case]:
    """#line, #error, #warning, #pragma, #ident, redefinitions, bad directives, diagnostics."""
    lines = st.lists(
        st.one_of(st.sampled_from(DIRECTIVES), st.sampled_from(TEXT)), min_size=1, max_size=8
    )
    faults = st.one_of(st.just([]), st.just([]), st.sampled_from(FAULTS).map(lambda f: [f]))
    return st.tuples(lines, faults, st.integers(0, 8), front_options(), sources).map(
        lambda p: source_case(
            join_lines(p[0][: p[2]] + p[1] + p[0][p[2] :]), p[3], p[4], {"h.h": b"int h;\n"}
        )
    )


# ---- lexical ---------------------------------------------------------------------------------

PIECES = ["/* c */", "/* two\nlines */", "// line comment", "/* /* nested? */", "*/", "//\\",
          "??=", "??/", "??(", "??)", "??'", "??<", "??>", "??!", "??-", "???", "<:", ":>",
          "<%", "%>", "%:", "%:%:", '"str"', '"unterminated', "'c'", "'", '"a\\\\"', "R\"(raw)\"",
          "a", "b1", "_x", "é", "\\u00e9", "$", "@", "`", "\\", "0x1e+1", "1e+", ".5e-", "1.2.3",
          "#define M(x) x", "#define S(x) #x", "M(1)", "S(a  /* c */  b)", "#", "##", "a+++++b",
          "\t", "\f", "\v", "\r", "  ", "\x00"]  # fmt: skip


@generator("cprepro", "lexical")
def lexical_cases() -> st.SearchStrategy[Case]:
    """Comments, splices, trigraphs, digraphs, literals and odd whitespace, kept by -C or not."""
    piece = st.sampled_from(PIECES)
    line = st.lists(
        st.tuples(piece, st.sampled_from([" ", "", "\\\n", " \\\n", "\\ \n"])), max_size=6
    ).map(lambda items: "".join(p + sep for p, sep in items))
    options = st.lists(
        st.sampled_from(
            [("-C",), ("-CC",), ("-trigraphs",), ("-P",), ("-traditional-cpp",), ("-std=c89",),
             ("-std=gnu11",), ("-Wall",), ("-fno-dollars-in-identifiers",), ("-Wtrigraphs",),
             ("-fextended-identifiers",), ("-std=c99",), ("-finput-charset=latin1",)]
        ),
        max_size=3,
        unique=True,
    ).map(lambda groups: tuple(word for group in groups for word in group))  # fmt: skip
    return st.tuples(st.lists(line, min_size=1, max_size=5), options, sources).map(
        lambda p: source_case(join_lines(p[0]), p[1], p[2])
    )


# ---- traditional -----------------------------------------------------------------------------


@generator("cprepro", "traditional")
def traditional_cases() -> st.SearchStrategy[Case]:
    """-traditional-cpp: macros expanded in strings, comments as token pasting, no #/##."""
    lines = st.lists(
        st.one_of(
            definitions(variadic=False),
            uses(),
            st.sampled_from(
                ['#define STR(x) "x"', "#define CAT(a,b) a/**/b", "STR(hello) CAT(fo,o)",
                 "#  define   SP 1", " #define IND 2", "SP IND", "#if 1 /* c */\nyes\n#endif",
                 "'unterminated", '"str', "#elif", "#define F(x) F x", "F(F(1))"]
            ),
        ),
        min_size=1,
        max_size=8,
    )  # fmt: skip
    options = st.sampled_from([("-traditional-cpp",), ("-traditional-cpp", "-P"),
                               ("-traditional-cpp", "-C"), ("-traditional", "-E")])  # fmt: skip
    return st.tuples(lines, options, sources).map(
        lambda p: source_case(join_lines(p[0]), p[1], p[2])
    )


# ---- predefined macros and dumps -------------------------------------------------------------

TARGET_OPTIONS = ["-O2", "-Os", "-O0", "-fPIC", "-fpie", "-fno-pic", "-m32", "-mx32",
                  "-march=x86-64-v2", "-march=x86-64-v3", "-march=haswell", "-mavx2", "-msse4.2",
                  "-mno-sse", "-ffast-math",
                  "-funsigned-char", "-fshort-wchar", "-fshort-enums", "-fno-inline", "-fopenmp",
                  "-pthread", "-fstack-protector-strong", "-g", "-fno-exceptions",
                  "-fexceptions", "-D_FORTIFY_SOURCE=2", "-fsanitize=address",
                  "-fno-builtin", "-ffreestanding", "-mlong-double-128",
                  "-fsigned-char", "-fgnu89-inline", "-fno-signed-zeros"]  # fmt: skip
DUMPS = [("-dM",), ("-dM",), ("-dD",), ("-dN",), ("-dU",), ("-dM", "-undef"), ("-dD", "-P")]


@generator("cprepro", "predefined")
def predefined_cases() -> st.SearchStrategy[Case]:
    """-dM/-dD/-dN/-dU of a small file under a standard, target and -D/-U options."""
    body = st.lists(st.one_of(definitions(), uses()), max_size=3)
    options = st.tuples(
        st.sampled_from(DUMPS),
        st.lists(st.sampled_from(TARGET_OPTIONS), max_size=3, unique=True),
        st.lists(standards, max_size=1),
        st.lists(
            st.one_of(
                names.map(lambda n: f"-D{n}"),
                st.tuples(names, st.sampled_from(INTEGERS)).map(lambda p: f"-D{p[0]}={p[1]}"),
                st.sampled_from(["-U__STDC__", "-U__GNUC__", "-U__x86_64__", "-D__STDC__=2",
                                 "-Dunix=0", "-Ulinux", "-D__GNUC__"]),
            ),
            max_size=3,
        ),
    ).map(lambda p: (*p[0], *p[1], *p[2], *p[3]))  # fmt: skip
    return st.tuples(body, options, st.sampled_from(["empty.c", "d.h", "x.c"])).map(
        lambda p: source_case(join_lines(p[0]), p[1], p[2])
    )


# ---- command lines ---------------------------------------------------------------------------


@generator("cprepro", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """Inputs from stdin or files, output files, -x, -D/-U forms, bad options and files."""
    text = macro_text()
    how = st.sampled_from(["file", "stdin", "dash", "two", "out", "missing", "dir"])
    options = st.lists(
        st.sampled_from(
            [("-P",), ("-x", "c"), ("-x", "c-header"), ("-x", "assembler-with-cpp"),
             ("-D", "N=1"), ("-DN",), ("-UN",), ("-D", "F(a)=[a]"), ("-D", "=1"), ("-D", "1x"),
             ("-Dx=\"s\"",), ("-fno-show-column",), ("-fdirectives-only",), ("-fpreprocessed",),
             ("-o", "out.i"), ("-o", "sub/out.i"), ("--bogus",), ("-E",), ("-dI",),
             ("-fno-diagnostics-show-caret",), ("-fdiagnostics-format=json",),
             ("-ftabstop=4",), ("-fworking-directory",), ("-remap",), ("-A", "m(v)"),
             ("-A", "-m"), ("-fexec-charset=latin1",), ("-fno-canonical-system-headers",)]
        ),
        max_size=3,
        unique=True,
    ).map(lambda groups: tuple(word for group in groups for word in group))  # fmt: skip

    def case(data: bytes, way: str, opts: tuple[str, ...], name: str) -> Case:
        if way == "stdin":
            return Case(args=opts, stdin=data)
        if way == "dash":
            return Case(args=(*opts, "-"), stdin=data)
        if way == "two":
            return Case(args=(*opts, name, "res.i"), files={name: data})
        if way == "out":
            return Case(args=(*opts, name, "-o", "o2.i"), files={name: data})
        if way == "missing":
            return Case(args=(*opts, "nosuch.c"), files={name: data})
        if way == "dir":
            return Case(args=(*opts, "src"), files={"src/m.c": data})
        return Case(args=(*opts, name), files={name: data})

    return st.tuples(text, how, options, sources).map(lambda p: case(*p))
