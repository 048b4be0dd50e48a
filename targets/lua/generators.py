"""Inputs for the Lua 5.4 interpreter: programs from a small grammar of Lua itself (expressions,
the string library and its patterns, statements and functions, tables, errors, stdin) and the
command line around them (scripts as files, ``-e`` chunks, ``-`` for stdin, script arguments).

Every program is deterministic: no table or function is printed (their addresses move), no
``pairs`` over string keys (their order follows a per-run hash seed), no clock and no unseeded
random numbers.
"""

from __future__ import annotations

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

NAMES = ["a", "b", "c", "x", "y", "n", "s", "t"]
WORDS = ["", "a", "abc", "Hello", "x y z", "42", "3.5", "a,b,,c", "  pad  ", "é", "0x1F", "nil"]
PATTERNS = [
    "%a+", "%d+", "(%w+)", "%s", "^%s*(.-)%s*$", "[aeiou]", "[^,]*", "(%d+)%.(%d+)", ".", "%u",
    "x*", "a-", "%f[%w]%w+", "%bxy", "()", "[%a_][%w_]*", "%p", "(h)(e)", "l+", "%x+",
]  # fmt: skip
OPERATORS = ["+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", "&", "|", "~", "<<",
             ">>", "and", "or"]  # fmt: skip
FORMATS = ["%d", "%5d", "%-5d|", "%x", "%X", "%o", "%5.2f", "%e", "%g", "%q", "%s", "%10s|", "%c"]

integers = st.one_of(
    st.integers(-20, 20), st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, 1, 2, 3, 7, 255])
)
floats = st.one_of(
    st.sampled_from(["0.5", "1.0", "-2.25", "1e10", "3.14159", "1/0", "-1/0", "0/0", "2^53"]),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: repr(x)),
)
strings = st.one_of(st.sampled_from(WORDS), st.text("abcxyz ,.-019", max_size=8))


def quote(text: str) -> str:
    """A Lua string literal of ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(integers.map(str), floats)


def expressions(depth: int = 0) -> st.SearchStrategy[str]:
    """An arithmetic, bitwise, comparison or string expression over literals."""
    atoms = st.one_of(numbers(), strings.map(quote), st.sampled_from(["true", "false", "nil"]))
    if depth >= 2:
        return atoms
    inner = expressions(depth + 1)
    binary = st.tuples(
        inner,
        st.sampled_from(OPERATORS),
        inner,
    ).map(lambda p: f"({p[0]} {p[1]} {p[2]})")
    unary = st.tuples(st.sampled_from(["-", "not ", "#", "~"]), inner).map(lambda p: p[0] + p[1])
    calls = st.tuples(
        st.sampled_from(["math.floor", "math.ceil", "math.abs", "math.type", "tostring",
                         "tonumber", "math.tointeger", "math.sqrt", "type", "math.ult(1, "]),
        inner,
    ).map(lambda p: f"{p[0]}({p[1]})" if not p[0].endswith(" ") else f"{p[0]}{p[1]})")  # fmt: skip
    return st.one_of(atoms, binary, unary, calls)


def string_calls() -> st.SearchStrategy[str]:
    """A call into the string library, with Lua patterns."""
    s, p = strings.map(quote), st.sampled_from(PATTERNS).map(quote)
    small = st.integers(-4, 6).map(str)
    return st.one_of(
        st.tuples(s, p).map(lambda a: f"string.find({a[0]}, {a[1]})"),
        st.tuples(s, p, small).map(lambda a: f"string.find({a[0]}, {a[1]}, {a[2]}, true)"),
        st.tuples(s, p).map(lambda a: f"string.match({a[0]}, {a[1]})"),
        st.tuples(s, p, strings.map(quote)).map(lambda a: f"string.gsub({a[0]}, {a[1]}, {a[2]})"),
        st.tuples(s, p).map(lambda a: f'string.gsub({a[0]}, {a[1]}, "<%0>")'),
        st.tuples(s, p).map(lambda a: f"string.gsub({a[0]}, {a[1]}, string.upper, 2)"),
        st.tuples(s, p).map(
            lambda a: (
                f"(function() local r = {{}} for m in string.gmatch({a[0]}, {a[1]}) do "
                "r[#r + 1] = tostring(m) end return table.concat(r, '|') end)()"
            )
        ),
        st.tuples(s, small, small).map(lambda a: f"string.sub({a[0]}, {a[1]}, {a[2]})"),
        st.tuples(s, small).map(lambda a: f"string.rep({a[0]}, {a[1]}, '-')"),
        st.tuples(s, small).map(lambda a: f"string.byte({a[0]}, 1, {a[1]})"),
        st.lists(st.integers(32, 126), max_size=5).map(
            lambda codes: f"string.char({', '.join(map(str, codes))})"
        ),
        s.map(lambda a: f"{a}:upper(), {a}:lower(), {a}:reverse(), #{a}"),
        st.tuples(st.sampled_from(FORMATS), numbers() | strings.map(quote)).map(
            lambda a: f"string.format({quote(a[0])}, {a[1]})"
        ),
        st.tuples(s, st.sampled_from(["i4", "<i2", ">I3", "z", "s1", "d"])).map(
            lambda a: f"#string.pack({quote(a[1])}, {a[0] if a[1][-1] in 'zs1' else '7'})"
        ),
    )


def blocks(depth: int = 0) -> st.SearchStrategy[list[str]]:
    """Statements over a few local variables, loops bounded, printing as they go."""
    name = st.sampled_from(NAMES[:4])
    value = st.one_of(numbers(), strings.map(quote), expressions(1))
    simple = st.one_of(
        st.tuples(name, value).map(lambda p: f"{p[0]} = {p[1]}"),
        name.map(lambda n: f"print({n})"),
        st.tuples(name, name).map(lambda p: f"print({p[0]}, {p[1]}, type({p[0]}))"),
        name.map(lambda n: f"t[#t + 1] = tostring({n})"),
        st.just("print(table.concat(t, ','))"),
        st.just("table.sort(t) print(#t, t[1], t[#t])"),
        st.just("print(table.remove(t), #t)"),
        st.tuples(name, st.integers(1, 3)).map(lambda p: f"table.insert(t, {p[1]}, {p[0]})"),
        st.tuples(name, name).map(lambda p: f"print(pcall(f, {p[0]}, {p[1]}))"),
        st.tuples(name, name).map(lambda p: f"{p[0]}, {p[1]} = {p[1]}, {p[0]}"),
        st.just("print(select('#', table.unpack(t)))"),
    )
    if depth >= 2:
        return st.lists(simple, min_size=1, max_size=4)
    inner = blocks(depth + 1).map(lambda lines: " ".join(lines))
    compound = st.one_of(
        st.tuples(st.integers(-2, 3), st.integers(0, 6), st.sampled_from([1, 2, -1]), inner).map(
            lambda p: f"for i = {p[0]}, {p[1]}, {p[2]} do a = i {p[3]} end"
        ),
        st.tuples(name, inner, inner).map(
            lambda p: f"if type({p[0]}) == 'number' and {p[0]} > 1 then {p[1]} else {p[2]} end"
        ),
        inner.map(lambda body: f"for k, v in ipairs(t) do b = v {body} end"),
        inner.map(lambda body: f"do local n = 0 while n < 3 do n = n + 1 {body} end end"),
        inner.map(lambda body: f"repeat {body} until true"),
        st.tuples(name, inner).map(lambda p: f"f = function(p, q) {p[1]} return p, q, {p[0]} end"),
    )
    return st.lists(st.one_of(simple, compound), min_size=1, max_size=5)


def programs() -> st.SearchStrategy[str]:
    header = "local a, b, c, x = 1, 'two', 3.5, nil\nlocal t = {}\nlocal f = function(p, q) " \
        "return p, q end\n"  # fmt: skip
    return blocks().map(lambda lines: header + "\n".join(lines) + "\n")


def runs(program: str, how: str, extra: tuple[str, ...] = ()) -> Case:
    """A case running ``program`` as a script file, a ``-e`` chunk or from stdin."""
    if how == "file":
        return Case(args=("prog.lua", *extra), files={"prog.lua": program.encode()})
    if how == "stdin":
        return Case(args=("-", *extra), stdin=program.encode())
    return Case(args=("-e", program))


HOW = st.sampled_from(["file", "file", "stdin", "chunk"])


@generator("lua", "expressions")
def expression_cases() -> st.SearchStrategy[Case]:
    return st.tuples(st.lists(expressions(), min_size=1, max_size=3), HOW).map(
        lambda p: runs(f"print({', '.join(p[0])})\n", p[1])
    )


@generator("lua", "strings")
def string_cases() -> st.SearchStrategy[Case]:
    return st.tuples(st.lists(string_calls(), min_size=1, max_size=3), HOW).map(
        lambda p: runs("".join(f"print({call})\n" for call in p[0]), p[1])
    )


@generator("lua", "programs")
def program_cases() -> st.SearchStrategy[Case]:
    return st.tuples(programs(), HOW).map(lambda p: runs(*p))


@generator("lua", "errors")
def error_cases() -> st.SearchStrategy[Case]:
    """Runtime errors, error values through pcall/error, and syntax errors (a token cut)."""
    runtime = st.sampled_from([
        "local x = nil; print(x.y)", "print(1 + {})", "print(#5)", "error('boom')",
        "error({code = 2})", "error('lvl', 2)", "error()", "print(('x'):bad())",
        "local t = setmetatable({}, {__index = function(t, k) error('no ' .. k) end}) print(t.q)",
        "print(1 // 0)", "print(math.tointeger(2^63))", "print(string.rep('x', -1))",
        "print(pcall(error, 'e', 0))", "print(select(2, pcall(error, {1})) ~= nil)",
        "print(xpcall(function() error('deep') end, function(m) return 'handled: ' .. m end))",
        "assert(false, 'assertion text')", "assert(nil)", "print(tostring(nil) .. nil)",
        "local function r(n) return r(n + 1) + 1 end r(1)", "goto nowhere",
        "print(string.format('%d', 1.5))", "print(('%'):rep(3):format())",
        "coroutine.wrap(function() error('in co') end)()",
        "print(coroutine.resume(coroutine.create(function() error('co err') end)))",
    ])  # fmt: skip
    broken = programs().flatmap(
        lambda text: st.integers(0, max(0, len(text) - 1)).map(
            lambda cut: text[:cut] + text[cut + 1 :]
        )
    )
    return st.tuples(st.one_of(runtime, broken), HOW).map(lambda p: runs(*p))


@generator("lua", "stdin")
def stdin_cases() -> st.SearchStrategy[Case]:
    """Scripts that read their input: lines, numbers, the rest, io.lines."""
    readers = st.sampled_from([
        "for line in io.lines() do print(#line, line:upper()) end",
        "local n, m = io.read('n', 'n') print(n, m, math.type(n))",
        "print(io.read('l')) print(io.read('L')) print(io.read('a'))",
        "local s = io.read('a') print(#s, select(2, s:gsub('\\n', '')))",
        "local sum = 0 for w in io.read('a'):gmatch('%-?%d+%.?%d*') do sum = sum + tonumber(w) "
        "end print(sum)",
        "print(io.read(3), io.read(0), io.read('n'))",
        "io.write(io.read('a'):reverse())",
    ])  # fmt: skip
    text = st.lists(st.one_of(strings, integers.map(str), floats), max_size=5).map(
        lambda items: "\n".join(items) + "\n"
    )
    return st.tuples(readers, text).map(
        lambda p: Case(args=("prog.lua",), files={"prog.lua": p[0].encode()}, stdin=p[1].encode())
    )


@generator("lua", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """The interpreter's options and the script's arguments (``arg`` and ``...``)."""
    show_args = "print(#arg, arg[0], ...) for i = -1, #arg do print(i, arg[i]) end"
    options = st.lists(
        st.one_of(
            st.just(("-v",)),
            st.just(("-E",)),
            st.just(("-W",)),
            expressions(1).map(lambda e: ("-e", f"print({e})")),
            st.just(("-e", "x = 1")),
            st.just(("-l", "string")),
            st.sampled_from([("-x",), ("-e",), ("--",), ("-lnosuchmodule",), ("-i", "-v")]),
        ),
        max_size=3,
    ).map(lambda groups: tuple(word for group in groups for word in group))
    script_args = st.lists(st.sampled_from(["1", "two", "", "-e", "--", "x y"]), max_size=3)
    return st.tuples(options, st.sampled_from(["file", "stdin", "none"]), script_args).map(
        lambda p: Case(
            args=(*p[0], *{"file": ("prog.lua",), "stdin": ("-",), "none": ()}[p[1]], *p[2]),
            files={"prog.lua": show_args.encode()} if p[1] == "file" else {},
            stdin=show_args.encode() if p[1] == "stdin" else b"",
        )
    )


@generator("lua", "files")
def file_cases() -> st.SearchStrategy[Case]:
    """Scripts that write and read files in the case folder (the outcome records them)."""
    writes = st.lists(st.one_of(strings, integers.map(str)), min_size=1, max_size=4)
    return st.tuples(writes, st.sampled_from(["w", "a"]), st.booleans()).map(
        lambda p: Case(
            args=("prog.lua",),
            files={
                "prog.lua": (
                    f"local f = assert(io.open('out.txt', '{p[1]}'))\n"
                    + "".join(f"f:write({quote(item)}, '\\n')\n" for item in p[0])
                    + "f:close()\n"
                    + ("for l in io.lines('out.txt') do print(#l) end\n" if p[2] else "")
                    + "os.remove('old.txt') print(os.rename('out.txt', 'new.txt'))\n"
                ).encode(),
                "out.txt": b"existing\n",
                "old.txt": b"gone\n",
            },
        )
    )
