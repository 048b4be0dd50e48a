"""Inputs for Knuth's TeX with the plain format: documents from a small grammar of plain TeX
(macros with undelimited and delimited parameters, \\edef and friends, \\expandafter and
\\csname, registers and arithmetic, conditionals and loops, \\catcode, \\uppercase, \\write to
files and the terminal, errors in nonstopmode, a little typesetting) and the command line around
them (the first line given as words or on stdin, batchmode, refused options).

Every document stops: a macro's body calls only macros defined before it (in the order of
NAMES) and \\let copies only an earlier macro to a later name, so no expansion recurses; loops
count a register up to a bound. The clock is pinned by the wrapper, so \\time and \\year are
stable too.
"""

from __future__ import annotations

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

NAMES = ["foo", "bar", "baz", "qux", "zap"]
WORDS = ["ab", "x y", "1", "-", "Hello", "TeX", "a.b", "", "Q", "7 8", "(", ")", "end"]
TEXT_WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dogs",
    "typesetting",
    "macro",
    "expansion",
    "is",
    "fun",
    "and",
    "a",
    "hyphenation",
    "paragraph",
    "TeX",
    "Knuth",
    "boxes",
    "glue",
    "penalties",
    "of",
    "in",
    "demonstrate",
]
# Parameter texts (undelimited and delimited) and how a call supplies each argument.
PARAMS: list[tuple[str, int, str]] = [
    ("", 0, ""),
    ("#1", 1, "{1}"),
    ("#1#2", 2, "{1}{2}"),
    ("#1#2#3", 3, "{1}{2}{3}"),
    ("#1.", 1, "1."),
    ("#1,#2;", 2, "1,2;"),
    ("(#1)", 1, "(1)"),
    ("#1#2\\stop", 2, "{1}2\\stop"),
    ("#1 ", 1, "1 "),
    ("[#1]#2", 2, "[1]{2}"),
    ("#1#", 1, "1{}"),  # its body's brace ends the parameters: \def\x#1#{...}
]
REGISTERS = ["\\count1", "\\count2", "\\count3", "\\dimen0", "\\dimen2", "\\skip0", "\\toks0"]
UNITS = ["pt", "in", "cm", "mm", "bp", "pc", "dd", "cc", "sp", "em", "ex", "true pt"]


def letters(text: str) -> str:
    """A word made safe to stand in a TeX argument (no special characters)."""
    return "".join(c for c in text if c.isalnum() or c in " .-()")


@st.composite
def macro_program(draw: st.DrawFn) -> list[str]:
    """Definitions and uses of macros, in an order where no expansion can recurse."""
    lines: list[str] = []
    arity: dict[str, tuple[str, int, str]] = {}
    for _ in range(draw(st.integers(2, 9))):
        kind = draw(
            st.sampled_from(
                [
                    "def",
                    "def",
                    "def",
                    "use",
                    "use",
                    "use",
                    "show",
                    "let",
                    "group",
                    "edef",
                    "csname",
                    "expandafter",
                    "noexpand",
                ]
            )
        )
        index = draw(st.integers(0, len(NAMES) - 1))
        name = NAMES[index]
        earlier = [n for n in NAMES[:index] if n in arity]
        if kind in ("def", "edef") or not arity:
            params, count, call = draw(st.sampled_from(PARAMS))
            pieces = draw(
                st.lists(
                    st.one_of(
                        st.sampled_from(WORDS).map(letters),
                        st.integers(1, max(count, 1)).map(lambda i, c=count: f"#{i}" if c else ""),
                        st.sampled_from(earlier).map(lambda n: call_of(n, arity[n]))
                        if earlier
                        else st.just("x"),
                        st.just("{[}{]}") if kind == "def" else st.just("-"),
                    ),
                    max_size=5,
                )
            )
            body = " ".join(pieces) if draw(st.booleans()) else "".join(pieces)
            prefix = draw(
                st.sampled_from(
                    ["", "", "", "", "\\long", "\\long", "\\global", "\\global", "\\outer"]
                )
            )
            if prefix == "\\outer" and kind == "edef":
                prefix = ""
            verb = draw(st.sampled_from(["\\def", "\\gdef"])) if kind == "def" else "\\edef"
            if prefix == "\\global" and verb == "\\gdef":
                prefix = ""
            lines.append(f"{prefix}{verb}\\{name}{params}{{{body}}}")
            arity[name] = (params, count, call)
        elif kind == "use" and name in arity:
            wrap = draw(
                st.sampled_from(
                    [
                        "\\message{[@]}",
                        "\\immediate\\write16{<@>}",
                        "\\immediate\\write-1{log: @}",
                        "\\edef\\tmp{@}\\show\\tmp",
                    ]
                )
            )
            lines.append(wrap.replace("@", call_of(name, arity[name])))
        elif kind == "show":
            how = draw(st.sampled_from(["\\show", "\\message{\\meaning", "\\message{\\string"]))
            lines.append(f"{how}\\{name}" + ("}" if how != "\\show" else ""))
        elif kind == "let" and earlier:
            source = draw(st.sampled_from(earlier))
            lines.append(f"\\let\\{name}=\\{source} \\show\\{name}")
            arity[name] = arity[source]
        elif kind == "group":
            glob = draw(st.sampled_from(["\\def", "\\gdef", "\\global\\def", "\\edef", "\\xdef"]))
            word = letters(draw(st.sampled_from(WORDS)))
            lines.append(
                f"{{{glob}\\{name}{{in {word}}}\\message{{\\{name}}}}}"
                f"\\message{{\\meaning\\{name}}}"
            )
            arity[name] = PARAMS[0]
        elif kind == "csname":
            word = letters(draw(st.sampled_from(WORDS)))
            lines.append(
                f"\\expandafter\\def\\csname {word}!\\endcsname{{cs}}"
                f"\\message{{\\csname {word}!\\endcsname}}"
                f"\\expandafter\\show\\csname {word}!\\endcsname"
            )
        elif kind == "expandafter" and name in arity and arity[name][1] == 0:
            lines.append(
                f"\\expandafter\\def\\expandafter\\tmp\\expandafter{{\\{name}!}}\\show\\tmp"
            )
        elif kind == "noexpand" and name in arity:
            lines.append(f"\\edef\\tmp{{\\noexpand\\{name} \\string\\{name}}}\\show\\tmp")
    return lines


def call_of(name: str, signature: tuple[str, int, str]) -> str:
    """A call of macro ``name`` supplying its arguments as its parameter text asks (the space
    ends the control word, so a first argument of letters stays apart from the name)."""
    return f"\\{name} " + signature[2].replace("1", "a").replace("2", "bc").replace("3", "d")


def number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-40, 40).map(str),
        st.integers(-(2**31) + 1, 2**31 - 1).map(str),
        st.sampled_from(["'17", '"1F', "`a", "`\\A", "\\count1", "-\\count2", "2147483647"]),
    )


def dimension() -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(
            st.sampled_from(["1", "-2.5", "0.3", "12", "16383.99", "1.125", "7"]),
            st.sampled_from(UNITS),
        ).map(lambda p: f"{p[0]}{p[1]}"),
        st.sampled_from(["\\dimen0", "-\\dimen2", "2\\dimen0", ".5\\hsize", "\\baselineskip"]),
    )


@st.composite
def register_program(draw: st.DrawFn) -> list[str]:
    """Assignments and arithmetic on count, dimen, skip and toks registers, shown."""
    lines: list[str] = []
    for _ in range(draw(st.integers(2, 9))):
        glob = draw(st.sampled_from(["", "", "\\global"]))
        register = draw(st.sampled_from(REGISTERS))
        if register.startswith("\\count"):
            value, by = draw(number()), draw(st.integers(-13, 13))
        elif register.startswith("\\dimen"):
            value, by = draw(dimension()), draw(st.integers(-5, 5))
        elif register == "\\skip0":
            value = draw(
                st.sampled_from(
                    [
                        "1pt plus 2pt",
                        "3pt minus 1fil",
                        "0pt plus 1fill",
                        "2.5pt plus -1pt minus 3pt",
                        "\\baselineskip",
                    ]
                )
            )
            by = draw(st.integers(-3, 3))
        else:
            value = "{" + letters(draw(st.sampled_from(WORDS))) + "\\the\\count1}"
            by = 0
        action = draw(
            st.sampled_from(["set", "advance", "multiply", "divide", "show", "group", "convert"])
        )
        if register == "\\toks0":
            action = draw(st.sampled_from(["set", "show"]))
        if action == "set":
            lines.append(f"{glob}{register}={value}")
        elif action == "advance":
            amount = value if register != "\\skip0" else "1pt plus 1fil"
            lines.append(f"{glob}\\advance{register} by {amount}")
        elif action == "multiply":
            lines.append(f"{glob}\\multiply{register} by {by}")
        elif action == "divide":
            lines.append(f"{glob}\\divide{register} by {by}")
        elif action == "show":
            lines.append(
                draw(st.sampled_from([f"\\showthe{register}", f"\\message{{\\the{register}}}"]))
            )
        elif action == "group":
            lines.append(f"\\begingroup{glob}{register}={value}\\endgroup\\showthe{register}")
        elif register.startswith("\\count"):
            lines.append(
                f"\\message{{\\number{register} \\romannumeral{register} "
                f"\\ifodd{register} odd\\else even\\fi}}"
            )
        else:
            lines.append(f"\\count3={register} \\showthe\\count3")
    lines.append("\\message{\\the\\count1,\\the\\count2,\\the\\dimen0,\\the\\skip0}")
    return lines


@st.composite
def conditional_program(draw: st.DrawFn) -> list[str]:
    """Conditionals of every kind and bounded loops over registers."""
    lines = [
        f"\\count1={draw(st.integers(-5, 12))} \\count2={draw(st.integers(-5, 12))}",
        f"\\dimen0={draw(dimension())} \\def\\p{{{letters(draw(st.sampled_from(WORDS)))}}}",
        f"\\def\\q{{{letters(draw(st.sampled_from(WORDS)))}}} \\let\\r=\\p",
    ]
    tests = st.one_of(
        st.tuples(
            st.sampled_from(["\\count1", "\\count2", "7", "-3"]),
            st.sampled_from("<=>"),
            st.sampled_from(["\\count2", "0", "5"]),
        ).map(lambda p: f"\\ifnum{p[0]}{p[1]}{p[2]}"),
        st.tuples(st.sampled_from("<=>"), dimension()).map(
            lambda p: f"\\ifdim\\dimen0{p[0]}{p[1]}"
        ),
        st.sampled_from(
            [
                "\\ifodd\\count1",
                "\\ifx\\p\\q",
                "\\ifx\\p\\r",
                "\\ifx\\undefined\\relax",
                "\\if aa",
                "\\if a\\p",
                "\\ifcat a1",
                "\\ifcat\\relax\\p",
                "\\ifx aa",
                "\\ifvmode",
                "\\ifhmode",
                "\\ifmmode",
                "\\ifinner",
                "\\iftrue",
                "\\iffalse",
                "\\ifvoid0",
                "\\ifhbox0",
                "\\ifeof3",
                "\\ifdefined\\p",
                "\\if\\noexpand\\p\\relax",
                "\\ifx\\p\\relax",
                "\\ifnum\\count1=\\count2",
            ]
        ),
    )
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["if", "if", "case", "loop", "nested", "set"]))
        if kind == "if":
            test = draw(tests)
            yes, no = (letters(draw(st.sampled_from(WORDS))) for _ in range(2))
            lines.append(f"\\message{{{test} yes {yes}\\else no {no}\\fi}}")
        elif kind == "case":
            branches = "\\or ".join(
                draw(st.lists(st.sampled_from(["zero", "one", "two", "x"]), min_size=1, max_size=4))
            )
            other = draw(st.sampled_from(["", "\\else other"]))
            lines.append(f"\\message{{\\ifcase\\count1 {branches}{other}\\fi}}")
        elif kind == "loop":
            bound = draw(st.integers(0, 8))
            step = draw(st.sampled_from(["\\advance\\count3 by 1", "\\advance\\count3 by 2"]))
            body = draw(
                st.sampled_from(
                    [
                        "\\message{\\the\\count3}",
                        "\\edef\\acc{\\acc.\\the\\count3}",
                        "\\message{\\romannumeral\\count3}",
                    ]
                )
            )
            lines.append(
                f"\\count3=0 \\def\\acc{{}}\\loop {body}\\ifnum\\count3<{bound} {step}\\repeat"
                "\\message{[\\acc]}"
            )
        elif kind == "nested":
            inner, outer = draw(tests), draw(tests)
            lines.append(f"\\message{{{outer} A{inner} B\\else C\\fi\\else D\\fi}}")
        else:
            lines.append(
                draw(
                    st.sampled_from(
                        [
                            "\\advance\\count1 by 1",
                            "\\count2=\\count1",
                            "\\let\\q=\\p",
                            "\\def\\q{}",
                            "\\multiply\\count1 by -1",
                            "\\setbox0\\hbox{}",
                            "\\dimen0=-\\dimen0",
                        ]
                    )
                )
            )
    return lines


@st.composite
def string_program(draw: st.DrawFn) -> list[str]:
    """\\string, \\meaning, \\number, \\romannumeral, case changes, catcodes, \\escapechar."""
    pieces = st.sampled_from(
        [
            "\\message{\\string\\foo}",
            "\\message{\\string~}",
            "\\message{\\meaning\\par}",
            "\\message{\\meaning\\TeX}",
            "\\message{\\meaning a}",
            "\\message{\\meaning\\count}",
            "\\message{\\meaning\\bgroup}",
            "\\message{\\meaning\\loop}",
            "\\show\\space",
            "\\message{\\number 00042}",
            "\\message{\\romannumeral 3999}",
            "\\message{\\romannumeral 0}",
            "\\uppercase{\\message{abc Def \\string\\x}}",
            "\\lowercase{\\message{ABC Def}}",
            "\\lccode`\\A=`\\z \\lowercase{\\message{ABC}}",
            "\\uccode`\\a=`\\! \\uppercase{\\message{abc}}",
            "\\catcode`\\@=11 \\def\\a@b{AT}\\message{\\a@b}",
            "\\catcode`\\|=0 |message{bar}",
            "\\catcode`\\[=1 \\catcode`\\]=2 \\message[brackets]",
            "\\escapechar=-1 \\message{\\string\\foo}",
            "\\escapechar=`\\! \\message{\\string\\foo \\meaning\\relax}",
            "\\message{\\jobname}",
            "\\message{\\fontname\\tenrm}",
            "\\message{\\the\\catcode`\\%}",
            "\\show\\bye",
            "\\message{\\expandafter\\string\\csname a b\\endcsname}",
            "\\showthe\\lccode`\\Q",
            "\\message{\\the\\year/\\the\\month/\\the\\day \\the\\time}",
            "\\message{\\number`\\^^M}",
            "\\message{^^41^^5a^^7e}",
            "\\catcode`\\~=12 \\message{~}",
            "\\message{\\string\\^^M}",
            "\\newlinechar=`\\| \\message{one|two}",
            "\\immediate\\write16{a|b}",
            "\\catcode`\\ =12\\message{a b  c}\\catcode`\\ =10",
            "\\show\\ifx",
            "\\showthe\\everypar",
            "\\def\\x{\\y}\\def\\y{Y}\\message{\\expandafter\\meaning\\x}",
            "\\message{\\the\\escapechar}",
            "\\message{\\uppercase{abc}}",
            "\\edef\\z{\\lowercase{A}}\\show\\z",
            "\\show\\z",
            "\\message{\\noexpand\\foo}",
            "\\endlinechar=-1 \\message{x}",
        ]
    )
    return draw(st.lists(pieces, min_size=1, max_size=7))


@st.composite
def write_program(draw: st.DrawFn) -> list[str]:
    """\\openout, \\write and \\closeout, immediate and at shipout, to files and the terminal."""
    names = draw(
        st.lists(
            st.sampled_from(["out", "notes.txt", "data.dat", "sub.tex", "x1"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    lines = [
        f"\\newwrite\\s{chr(97 + i)} \\immediate\\openout\\s{chr(97 + i)}={name}"
        for i, name in enumerate(names)
    ]
    streams = [f"\\s{chr(97 + i)}" for i in range(len(names))]
    lines.append("\\def\\w{WW}\\count1=3")
    for _ in range(draw(st.integers(1, 6))):
        stream = draw(st.sampled_from([*streams, "16", "-1", "9"]))
        text = draw(
            st.sampled_from(
                [
                    "line \\the\\count1",
                    "\\w\\space\\w",
                    "\\noexpand\\w",
                    "{braced} #",
                    "\\string\\w",
                    "",
                    "x^^Jy",
                    "\\jobname",
                ]
            )
        )
        immediate = draw(st.sampled_from(["\\immediate", "\\immediate", ""]))
        lines.append(f"{immediate}\\write{stream}{{{text}}}")
        if draw(st.booleans()):
            lines.append(
                draw(
                    st.sampled_from(
                        [
                            "\\advance\\count1 by 1",
                            "\\def\\w{VV}",
                            f"\\immediate\\closeout{stream}",
                            "\\shipout\\hbox{page}",
                        ]
                    )
                )
            )
    if draw(st.booleans()):
        lines.append("\\hbox{}\\vfill\\eject")
    return lines


@st.composite
def typesetting_program(draw: st.DrawFn) -> list[str]:
    """Boxes, paragraphs in a narrow measure, fonts, pages and what \\showbox shows."""
    words = st.lists(st.sampled_from(TEXT_WORDS), min_size=1, max_size=30).map(" ".join)
    lines = [
        f"\\hsize={draw(st.sampled_from(['1.5in', '2in', '100pt', '3in', '6.5in']))}",
        "\\showboxdepth=3 \\showboxbreadth=8",
    ]
    if draw(st.booleans()):
        lines.append("\\tracingonline=1")
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["par", "hbox", "vbox", "page", "font", "rule", "line"]))
        if kind == "par":
            indent = draw(st.sampled_from(["", "\\noindent ", "\\parindent=0pt "]))
            lines.append(f"{indent}{draw(words)}\\par")
        elif kind == "hbox":
            spec = draw(st.sampled_from(["", " to 50pt", " spread 5pt", " to 10pt"]))
            lines.append(f"\\setbox0\\hbox{spec}{{{draw(words)}}}\\showthe\\wd0 \\showbox0")
        elif kind == "vbox":
            lines.append(f"\\setbox2\\vbox{{\\hsize=80pt {draw(words)}}}\\showthe\\ht2 \\showbox2")
        elif kind == "page":
            lines.append(
                draw(
                    st.sampled_from(
                        [
                            "\\vfill\\eject",
                            "\\shipout\\hbox{A}",
                            "\\shipout\\vbox{\\hrule\\kern3pt\\hbox{B}}",
                            "\\count0=-1 \\hbox{}\\eject",
                            "\\footline={}",
                        ]
                    )
                )
            )
        elif kind == "font":
            font = draw(st.sampled_from(["\\bf", "\\it", "\\sl", "\\tt", "\\rm"]))
            lines.append(f"{{{font} {draw(words)}}}\\par")
        elif kind == "rule":
            lines.append(
                draw(
                    st.sampled_from(
                        [
                            "\\hrule",
                            "\\hrule height 2pt",
                            "\\vskip 1cm",
                            "\\kern-3pt",
                            "\\smallskip",
                            "\\bigskip",
                        ]
                    )
                )
            )
        else:
            how = draw(st.sampled_from(["\\centerline", "\\line", "\\rightline", "\\leftline"]))
            lines.append(f"{how}{{{draw(words)}}}")
    lines.append(draw(st.sampled_from(["\\bye", "\\end", "\\vfill\\eject\\end"])))
    return lines


ERRORS = [
    "\\undefinedcommand",
    "\\def\\a#1{(#1)}\\a",
    "\\def\\a#1.{}\\a abc\\par",
    "}",
    "\\endgroup",
    "\\begingroup",
    "{",
    "\\count1=x",
    "\\dimen0=3",
    "\\count1=99999999999",
    "\\dimen0=20000pt",
    "\\divide\\count1 by 0",
    "\\def\\a{#2}",
    "\\def\\a#2{}",
    "\\csname\\def\\endcsname",
    "\\input nosuchfile",
    "\\errmessage{custom error}",
    "x^2",
    "\\hbox{\\par}",
    "\\vbox{",
    "\\font\\x=nofont",
    "\\read16 to \\x",
    "\\read5 to \\x",
    "\\outer\\def\\o{}\\def\\a{\\o}",
    "\\ifnum 1<2 \\else",
    "\\fi",
    "\\or",
    "\\else",
    "\\catcode`\\a=16",
    "\\count256=1",
    "\\showlists",
    "\\showhyphens{typesetting hyphenation}",
    "\\message{\\the}",
    "\\the\\foo",
    "\\expandafter",
    "\\let",
    "\\advance\\count1 by",
    "\\multiply\\count1 by 2147483647 \\multiply\\count1 by 2147483647",
    "\\char300",
    "\\hskip 1pt plus 1fillll",
    "#",
    "&",
    "\\halign{#\\cr a&b\\cr}",
    "\\end\\end",
    "\\tracingmacros=2 \\tracingonline=1 \\def\\a{b}\\a",
    "\\tracingcommands=2 \\tracingonline=1 \\relax",
    "\\batchmode \\undefined",
    "\\scrollmode",
    "\\errorcontextlines=0 \\def\\a{\\b}\\def\\b{\\c}\\a",
]


def document(lines: list[str], ending: str = "\\end") -> bytes:
    return ("\n".join(lines) + (f"\n{ending}\n" if ending else "\n")).encode()


def case_of(text: bytes) -> Case:
    return Case(args=("doc",), files={"doc.tex": text}, timeout=5.0)


@generator("texmacros", "macros")
def macro_cases() -> st.SearchStrategy[Case]:
    return macro_program().map(lambda lines: case_of(document(lines)))


@generator("texmacros", "registers")
def register_cases() -> st.SearchStrategy[Case]:
    return register_program().map(lambda lines: case_of(document(lines)))


@generator("texmacros", "conditionals")
def conditional_cases() -> st.SearchStrategy[Case]:
    return conditional_program().map(lambda lines: case_of(document(lines)))


@generator("texmacros", "strings")
def string_cases() -> st.SearchStrategy[Case]:
    return string_program().map(lambda lines: case_of(document(lines)))


@generator("texmacros", "writes")
def write_cases() -> st.SearchStrategy[Case]:
    return write_program().map(lambda lines: case_of(document(lines)))


@generator("texmacros", "typesetting")
def typesetting_cases() -> st.SearchStrategy[Case]:
    return typesetting_program().map(lambda lines: case_of(document(lines, ending="")))


@generator("texmacros", "errors")
def error_cases() -> st.SearchStrategy[Case]:
    """Errors in nonstopmode, among macros that work, and documents that end without \\end."""
    return st.tuples(
        macro_program(),
        st.lists(st.sampled_from(ERRORS), min_size=1, max_size=3),
        st.sampled_from(["\\end", "\\end", "\\bye", ""]),
    ).map(lambda p: case_of(document([*p[0][:3], *p[1], *p[0][3:]], ending=p[2])))


@generator("texmacros", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """The first line as words, on stdin, in batchmode; options texmacros refuses."""
    body = st.one_of(macro_program(), string_program()).map(document)
    first = st.sampled_from(
        [
            ("doc",),
            ("doc.tex",),
            ("\\def\\pre{P}\\input", "doc"),
            ("\\relax", "\\input", "doc"),
            ("-batch", "doc"),
            ("\\message{pre}", "\\input", "doc", "\\message{post}"),
            ("\\input", "doc", "\\message{after}"),
            ("-x",),
            ("-batch", "-ini", "doc"),
            ("--", "doc"),
            ("nosuch",),
            ("\\message{only}\\end",),
            ("\\catcode`\\^=7", "doc"),
            ("-batch",),
            (),
            ("&plain", "doc"),
            ("doc", "extra"),
        ]
    )
    stdin = st.sampled_from([b"", b"doc\n", b"\\message{from stdin}\\end\n", b"\\input doc\n"])
    return st.tuples(first, body, stdin).map(
        lambda p: Case(args=p[0], files={"doc.tex": p[1]}, stdin=p[2], timeout=5.0)
    )
