"""Inputs for GNU sed: scripts from a grammar of addresses and commands over small texts,
plus an importer of the upstream testsuite that Debian's source package ships.

The grammar never loops: branches only jump forward, and ``D`` (which can restart a cycle on
the same pattern space forever) is left to hand-written seeds.
"""

from __future__ import annotations

import itertools
import re
import shlex
from functools import cache

from hypothesis import strategies as st

from mirror.specs.generators import fixed_cases, generator
from oracle.case import Case

LETTERS = "abcxyz"
WORDS = ["abc", "cab", "xyz", "aaa", "b", "zz", "a1", "42", "x-y", "A.B", "Foo", ""]


def texts() -> st.SearchStrategy[str]:
    """Lines of a few words from a small alphabet, so that regexes match often."""
    line = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join)
    return st.tuples(st.lists(line, min_size=1, max_size=8), st.sampled_from(["\n", "\n", ""])).map(
        lambda parts: "\n".join(parts[0]) + parts[1]
    )


@st.composite
def regexes(draw: st.DrawFn, extended: bool = False, depth: int = 0) -> str:
    """A regex in sed's BRE (or ERE) syntax, GNU extensions included."""
    atoms = [
        st.sampled_from(list(LETTERS + "1-.")),
        st.just("."),
        st.sampled_from(["[abc]", "[^a ]", "[[:digit:]]", "[[:upper:]]", "[a-c]", "\\w", "\\s"]),
    ]
    if depth < 2:
        group = regexes(extended=extended, depth=depth + 1)
        atoms.append(group.map(lambda r: f"({r})" if extended else f"\\({r}\\)"))
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        atom = draw(st.one_of(*atoms))
        quantifier = draw(
            st.sampled_from(
                ["", "", "*", "+", "?", "{1,2}", "{2}"]
                if extended
                else ["", "", "*", "\\+", "\\?", "\\{1,2\\}", "\\{2\\}"]
            )
        )
        pieces.append(atom + quantifier)
    body = "".join(pieces)
    if depth == 0 and draw(st.integers(0, 4)) == 0:
        other = draw(regexes(extended=extended, depth=2))
        body = f"{body}{'|' if extended else chr(92) + '|'}{other}"
    anchor = draw(st.sampled_from(["", "", "", "^", "$", "^$"]))
    if anchor == "^$":
        return f"^{body}$"
    return anchor + body if anchor == "^" else body + anchor


def _groups(regex: str, extended: bool) -> int:
    return regex.count("(") - regex.count("\\(") if extended else regex.count("\\(")


@st.composite
def substitutions(draw: st.DrawFn, extended: bool = False) -> str:
    """An ``s`` command: regex, replacement with & and back-references, flags."""
    regex = draw(regexes(extended=extended))
    groups = _groups(regex, extended)
    parts = [
        st.text(LETTERS + "XY_ ", max_size=3),
        st.just("&"),
        st.sampled_from(["\\n", "\\U", "\\L", "\\u", "\\l", "\\E", "\\&", "[&]"]),
    ]
    if groups:
        parts.append(st.integers(1, min(groups, 9)).map(lambda n: f"\\{n}"))
    replacement = "".join(draw(st.lists(st.one_of(*parts), max_size=4)))
    flags = draw(
        st.lists(st.sampled_from(["g", "p", "2", "3", "I", "i", "m", "M"]), max_size=2, unique=True)
    )
    if sum(f.isdigit() for f in flags) > 1:
        flags = [f for f in flags if not f.isdigit()] + ["2"]
    # A delimiter that occurs in the regex ([[:digit:]], {1,2}) would end it early.
    free = [d for d in ["/", "/", "/", "#", ",", ":", "|"] if d not in regex + replacement]
    delimiter = draw(st.sampled_from(free))
    return f"s{delimiter}{regex}{delimiter}{replacement}{delimiter}{''.join(flags)}"


@st.composite
def addresses(draw: st.DrawFn, extended: bool = False, single_only: bool = False) -> str:
    """No address, a line, $, a regex, first~step, or a range of two, maybe negated."""
    single = st.one_of(
        st.integers(1, 6).map(str),
        st.just("$"),
        regexes(extended=extended).map(lambda r: f"/{r}/"),
        regexes(extended=extended).map(lambda r: f"/{r}/I"),
        st.tuples(st.integers(0, 3), st.integers(1, 3)).map(lambda p: f"{p[0]}~{p[1]}"),
    )
    kinds = ["none", "none", "one", "one"] + ([] if single_only else ["range", "relative", "zero"])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return ""
    if kind == "one":
        address = draw(single)
    elif kind == "range":
        address = f"{draw(single)},{draw(single)}"
    elif kind == "relative":
        address = f"{draw(single)},{draw(st.sampled_from(['+', '~']))}{draw(st.integers(0, 3))}"
    else:
        address = f"0,/{draw(regexes(extended=extended))}/"
    return address + draw(st.sampled_from(["", "", "!"]))


SIMPLE_COMMANDS = ["p", "P", "d", "n", "N", "g", "G", "h", "H", "x", "=", "l", "z", "F"]


@st.composite
def commands(draw: st.DrawFn, extended: bool = False) -> tuple[str, bool]:
    """One command with its address; the flag says it must end its line (a/i/c/r/w text)."""
    address = draw(addresses(extended=extended))
    kind = draw(st.sampled_from(["s", "s", "s", "simple", "simple", "y", "text", "quit", "block"]))
    if kind == "s":
        return address + draw(substitutions(extended=extended)), False
    if kind == "simple":
        return address + draw(st.sampled_from([*SIMPLE_COMMANDS, "l 5", "l 1"])), False
    if kind == "y":
        source = draw(
            st.lists(st.sampled_from(LETTERS + "1 "), min_size=1, max_size=4, unique=True)
        )
        target = draw(
            st.lists(st.sampled_from("ABCXYZ_-"), min_size=len(source), max_size=len(source))
        )
        return f"{address}y/{''.join(source)}/{''.join(target)}/", False
    if kind == "text":
        verb = draw(st.sampled_from(["a", "i", "c"]))
        text = draw(st.text(LETTERS + " ", min_size=1, max_size=8))
        return f"{address}{verb} {text}" if draw(
            st.booleans()
        ) else f"{address}{verb}\\\n{text}", True
    if kind == "quit":
        address = draw(addresses(extended=extended, single_only=True))
        verb = draw(st.sampled_from(["q", "Q"]))
        return f"{address}{verb}{draw(st.sampled_from(['', '', '0', '3']))}", False
    inner = draw(
        st.lists(st.sampled_from([*SIMPLE_COMMANDS, "s/a/A/g", "s/^/>/"]), min_size=1, max_size=3)
    )
    return f"{address}{{{';'.join(inner)}}}", False


@st.composite
def scripts(draw: st.DrawFn, extended: bool = False) -> list[str]:
    """A script as one or more -e chunks; a forward branch to an end label now and then."""
    parts = draw(st.lists(commands(extended=extended), min_size=1, max_size=4))
    lines = [text for text, _ in parts]
    if draw(st.integers(0, 3)) == 0:
        branch = draw(st.sampled_from(["b", "t", "T"]))
        position = draw(st.integers(0, len(lines)))
        lines.insert(position, f"{draw(addresses(extended=extended))}{branch} end")
        lines.append(":end")
    must_break = any(ends for _, ends in parts) or len(lines) != len(parts)
    if not must_break and draw(st.booleans()):
        return [";".join(lines)]
    if draw(st.booleans()):
        return ["\n".join(lines)]
    return [word for line in lines for word in ("-e", line)]


def _script_args(chunks: list[str]) -> list[str]:
    return chunks if chunks[0] == "-e" else chunks[:1]


def options() -> st.SearchStrategy[list[str]]:
    single = st.sampled_from(
        [["-n"], ["--quiet"], ["-s"], ["-u"], ["--posix"], ["--debug"], ["-l", "8"], ["-z"]]
    )
    return st.lists(single, max_size=2, unique_by=lambda o: o[0]).map(
        lambda groups: [w for g in groups for w in g]
    )


@st.composite
def script_cases(draw: st.DrawFn) -> Case:
    extended = draw(st.booleans())
    chunks = draw(scripts(extended=extended))
    opts = draw(options()) + (["-E"] if extended else [])
    text = draw(texts())
    if "-z" in opts:
        text = text.replace("\n", "\0")
    return Case(args=(*opts, *_script_args(chunks)), stdin=text.encode())


@generator("sed", "scripts")
def script_family() -> st.SearchStrategy[Case]:
    return script_cases()


@generator("sed", "substitute")
def substitute_family() -> st.SearchStrategy[Case]:
    @st.composite
    def build(draw: st.DrawFn) -> Case:
        extended = draw(st.booleans())
        commands_ = draw(st.lists(substitutions(extended=extended), min_size=1, max_size=3))
        flag = ["-E"] if extended else []
        # Quiet only when something prints: otherwise every such case has empty output.
        printing = any("p" in command.rsplit(command[1], 1)[1] for command in commands_)
        quiet = draw(st.sampled_from([[], ["-n"]])) if printing else []
        return Case(args=(*flag, *quiet, ";".join(commands_)), stdin=draw(texts()).encode())

    return build()


@generator("sed", "files")
def file_family() -> st.SearchStrategy[Case]:
    """Several input files, -s, F and =, r/R reading another file, a script from -f."""

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        files = {f"in{i}.txt": draw(texts()).encode() for i in range(draw(st.integers(1, 3)))}
        files["extra.txt"] = draw(texts()).encode()
        extended = draw(st.booleans())
        lines = [c for c, _ in draw(st.lists(commands(extended=extended), max_size=3))]
        extra = draw(st.sampled_from(["", "F", "=", "$r extra.txt", "2R extra.txt", "1r missing"]))
        script = "\n".join([*lines, extra] if extra else lines) or "p"
        opts = draw(st.sampled_from([[], ["-s"], ["-n"], ["-s", "-n"]])) + (
            ["-E"] if extended else []
        )
        names = [name for name in files if name != "extra.txt"]
        if draw(st.booleans()):
            files["script.sed"] = (script + "\n").encode()
            return Case(args=(*opts, "-f", "script.sed", *names), files=files)
        return Case(args=(*opts, script, *names), files=files)

    return build()


@generator("sed", "errors")
def error_family() -> st.SearchStrategy[Case]:
    broken = st.one_of(
        substitutions().map(lambda s: s[:-1] if s.endswith(s[1]) else s[: s.rindex(s[1])]),
        st.sampled_from(
            [
                "k",
                "s/a/b/q",
                "s/\\(a/b/",
                "s/a/\\1/",
                "y/ab/c/",
                "{p",
                "p}",
                "b nowhere",
                "3,",
                "/[/p",
                "a",
                ":",
                "0p",
                "1~",
                "s/a*\\{2,1\\}/x/",
                "v 9.9",
            ]
        ),
    )
    wrong_options = st.sampled_from([[], [], ["--bogus"], ["-l", "x"], ["-f", "missing.sed"]])
    return st.one_of(
        st.builds(
            lambda o, s, t: Case(args=(*o, s), stdin=t.encode()), wrong_options, broken, texts()
        ),
        st.builds(lambda t: Case(args=("p", "missing.txt"), stdin=t.encode()), texts()),
    )


# -- the upstream testsuite ------------------------------------------------------------------

# Evaluates misc.pl's test table (Coreutils.pm format) and writes it out as JSON; run by
# mirror.suites.upstream in the fetch container, where Perl comes with dpkg-dev.
MISC_TO_JSON = r"""
perl -MJSON::PP -e '
  local $/; open my $in, "<", "testsuite/misc.pl" or die $!; my $code = <$in>;
  $code =~ s/^my \$save_temps.*//ms or die "misc.pl: end of the test table not found";
  $code .= q{; open my $out, ">", "/out/testsuite/misc.json" or die $!;
    print $out JSON::PP->new->ascii->canonical->allow_unknown->allow_blessed->encode(\@Tests);};
  eval $code; die $@ if $@;
'
"""
_SED_LINE = re.compile(r"^\s*(?:returns_ (\d+) )?sed (.*)$")
_HEREDOC = re.compile(r"^cat\s*<<\s*(\\|')?(\w+)'?\s*>\s*(\S+)")
_WRITE = re.compile(r"^(printf|echo) (.*?) >\s*(\S+)(\s*\|\|.*)?$")
_ESCAPE = re.compile(rb"\\(0[0-7]{0,3}|[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)")
_SIMPLE_ESCAPES = {b"n": b"\n", b"t": b"\t", b"\\": b"\\", b"a": b"\a", b"r": b"\r", b"f": b"\f"}


def _unescape(text: bytes) -> bytes:
    """printf's backslash escapes: \\n, \\t, octal \\NNN, hex \\xHH."""

    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1] == b"x":
            return bytes([int(code[1:], 16)])
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _SIMPLE_ESCAPES.get(code, b"\\" + code)

    return _ESCAPE.sub(one, text)


def _written(command: str, words: list[str]) -> bytes | None:
    """What ``printf FORMAT ARGS`` or ``echo WORDS`` writes, when no shell is needed for it."""
    if command == "echo":
        return None if words and words[0].startswith("-") else (" ".join(words) + "\n").encode()
    if not words:
        return None
    form, args = words[0].encode("latin-1", "replace"), words[1:]
    slots = form.count(b"%s")
    if form.replace(b"%s", b"").replace(b"%%", b"").count(b"%"):
        return None
    if not slots:
        return _unescape(form.replace(b"%%", b"%"))
    output = b""
    for start in range(0, max(len(args), 1), slots):
        chunk = [*args[start : start + slots], *[""] * slots][:slots]
        piece = form.replace(b"%%", b"\0pct")
        for arg in chunk:
            piece = piece.replace(b"%s", arg.encode(), 1)
        output += _unescape(piece).replace(b"\0pct", b"%")
    return output


def _latin1(text: str) -> bytes | None:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _needs_shell(command: str) -> bool:
    """Whether a command line has $ or ` outside single quotes (shlex would not expand it)."""
    quoted = False
    for char in command:
        if char == "'":
            quoted = not quoted
        elif char in "$`" and not quoted:
            return True
    return False


def _misc_case(test: list[object]) -> Case | None:
    """One Coreutils.pm test: strings are shell words, {IN} files, {IN_PIPE} stdin, {ENV}."""
    name, *items = test
    words: list[str] = []
    files: dict[str, bytes] = {}
    stdin = b""
    env: dict[str, str] = {}
    for item in items:
        if isinstance(item, str):
            words.append(item)
        elif isinstance(item, dict) and len(item) == 1:
            ((kind, value),) = item.items()
            if kind == "IN" and isinstance(value, str):
                file_name = f"{name}.{len(files) + 1}"
                data = _latin1(value)
                if data is None:
                    return None
                files[file_name] = data
                words.append(shlex.quote(file_name))
            elif kind == "IN_PIPE" and isinstance(value, str):
                stdin = _latin1(value) or b""
            elif kind == "ENV" and isinstance(value, str):
                env.update(pair.split("=", 1) for pair in value.split() if "=" in pair)
            elif kind not in ("OUT", "ERR", "EXIT", "CMP", "OUT_SUBST", "ERR_SUBST"):
                return None
    command = " ".join(words)
    if _needs_shell(command):
        return None
    try:
        args = shlex.split(command)
    except ValueError:
        return None
    try:
        args = [arg.encode("latin-1").decode("utf-8") for arg in args]
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if "<" in args:
        where = args.index("<")
        stdin = files.get(args[where + 1], b"")
        del args[where : where + 2]
    return Case(args=tuple(args), stdin=stdin, files=files, env=env)


def _shell_cases(script: str, known: dict[str, bytes]) -> list[Case]:
    """Self-contained ``sed`` lines of a testsuite shell script: quoted here-documents become
    files; a line is kept when every file it names is known and nothing needs the shell."""
    files = dict(known)
    cases = []
    lines = script.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if heredoc := _HEREDOC.match(line):
            quote, end, name = heredoc.groups()
            body = []
            while index < len(lines) and lines[index] != end:
                body.append(lines[index])
                index += 1
            index += 1
            text = "\n".join(body) + "\n"
            if quote or not re.search(r"[$`\\]", text):
                files[name] = text.encode()
            continue
        if (write := _WRITE.match(line.strip())) and not _needs_shell(write.group(2)):
            try:
                data = _written(write.group(1), shlex.split(write.group(2)))
            except ValueError:
                data = None
            if data is not None:
                files[write.group(3)] = data
            continue
        match = _SED_LINE.match(line)
        if not match or line.rstrip().endswith("\\") or "|" in line.split("sed", 1)[0]:
            continue
        case = _shell_case(match.group(2), files)
        if case:
            cases.append(case)
    return cases


def _shell_case(rest: str, files: dict[str, bytes]) -> Case | None:
    rest = rest.split(" || ")[0].replace('"$dir/"', "").replace("$dir/", "")
    rest = rest.replace('"$abs_top_srcdir/testsuite/', '"')
    if _needs_shell(rest):
        return None
    try:
        words = shlex.split(rest)
    except ValueError:
        return None
    args: list[str] = []
    stdin = b""
    needed: list[str] = []
    iterator = iter(words)
    for word in iterator:
        if word in (">", "2>", "<"):
            target = next(iterator, "")
            if word == "<":
                if target != "/dev/null" and target not in files:
                    return None
                stdin = files.get(target, b"")
            continue
        if word.startswith(("2>", ">", "<")):
            if word.startswith("<"):
                target = word[1:]
                if target != "/dev/null" and target not in files:
                    return None
                stdin = files.get(target, b"")
            continue
        if word.startswith("-i") or word == "--in-place":
            return None
        args.append(word)
    script_given = any(a in ("-e", "-f") or a.startswith(("--expression", "--file")) for a in args)
    operands = _operands(args)
    if operands is None:
        return None
    needed = operands if script_given else operands[1:]
    for flag, value in itertools.pairwise(args):
        if flag == "-f":
            needed.append(value)
    if any(name not in files for name in needed):
        return None
    # Files a script reads or writes by name (r, R, w), as far as a word match can tell.
    for name in files:
        pattern = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])")
        if name not in needed and any(pattern.search(arg) for arg in args):
            needed.append(name)
    return Case(args=tuple(args), stdin=stdin, files={name: files[name] for name in needed})


def _operands(args: list[str]) -> list[str] | None:
    """Non-option arguments of a sed command line (None when an option is not understood)."""
    operands = []
    iterator = iter(args)
    for arg in iterator:
        if arg in ("-e", "-f", "-l"):
            next(iterator, None)
        elif arg == "--":
            operands += list(iterator)
        elif arg.startswith("-") and arg != "-":
            if not re.fullmatch(
                r"-[nErsuz]+|--(posix|debug|sandbox|quiet|silent|separate|"
                r"null-data|regexp-extended|unbuffered|expression=.*|"
                r"line-length=\d+)|-l\d+",
                arg,
            ):
                return None
        else:
            operands.append(arg)
    return operands


# Upstream tests whose output depends on the machine, not on sed: eval.sed runs `sed` itself
# (absent from a candidate's box) through the `e` command.
MACHINE_DEPENDENT = {"eval"}


@cache
def upstream_cases() -> tuple[Case, ...]:
    """Cases from sed's testsuite: misc.pl's table, the .sed/.inp pairs, the shell scripts."""
    import json

    from mirror.suites.upstream import upstream_files

    tree = upstream_files("sed", "sed", "sed", ("testsuite/*",), convert=MISC_TO_JSON)
    testsuite = {path.removeprefix("testsuite/"): data for path, data in tree.items()}
    cases: list[Case] = []
    for test in json.loads(testsuite["misc.json"]):
        if case := _misc_case(test):
            cases.append(case)
    for name in sorted(testsuite):
        stem = name.removesuffix(".sed")
        if name.endswith(".sed") and f"{stem}.inp" in testsuite:
            files = {name: testsuite[name], f"{stem}.inp": testsuite[f"{stem}.inp"]}
            cases.append(Case(args=("-f", name, f"{stem}.inp"), files=files))
    data_files = {n: d for n, d in testsuite.items() if n.endswith((".sed", ".inp"))}
    for name in sorted(testsuite):
        if name.endswith(".sh"):
            cases += _shell_cases(testsuite[name].decode("utf-8", "replace"), data_files)
    cases = [c for c in cases if not any(n.split(".")[0] in MACHINE_DEPENDENT for n in c.files)]
    unique = {json.dumps(case.to_json(), sort_keys=True): case for case in cases}
    return tuple(unique.values())


@fixed_cases("sed", "upstream")
def upstream() -> list[Case]:
    return list(upstream_cases())
