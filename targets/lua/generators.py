"""Inputs for the Lua 5.4 interpreter: programs from a small grammar of Lua itself (expressions,
the string library and its patterns, statements and functions, tables, errors, stdin) and the
command line around them (scripts as files, ``-e`` chunks, ``-`` for stdin, script arguments).

Every program is deterministic: no table or function is printed (their addresses move), no
``pairs`` over string keys (their order follows a per-run hash seed), no clock and no unseeded
random numbers.
"""

# The Lua programs below are data, one program or snippet a line, longer than 100 characters.
# ruff: noqa: E501

from __future__ import annotations

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

NAMES = ["a", "b", "c", "x", "y", "n", "s", "t"]
WORDS = ["", "a", "abc", "Hello", "x y z", "42", "3.5", "a,b,,c", "  pad  ", "é", "0x1F", "nil"]
PATTERNS = [
    "%a+", "%d+", "(%w+)", "%s", "^%s*(.-)%s*$", "[aeiou]", "[^,]*", "(%d+)%.(%d+)", ".", "%u",
    "x*", "a-", "%f[%w]%w+", "%bxy", "()", "(a)%1", "(%w)%1", "%f[%a]", "(a*(.)%w(%s*))", "[%a_][%w_]*", "%p", "(h)(e)", "l+", "%x+",
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
        s.map(lambda a: f"({a}):upper(), ({a}):lower(), ({a}):reverse(), #{a}"),
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


# Families reaching what the first ones left out (issue 13): binary packing, utf8, the debug
# library and hooks, binary chunks, the lexer's long brackets and escapes, goto and attributes,
# metamethods, the collector (weak tables, finalizers, modes), coroutines, more of the standard
# library, the interactive loop and LUA_INIT. Tables are counted with ``next``, never listed.

COUNT = "local function count(t) local n, k = 0, next(t) while k ~= nil do n = n + 1 k = next(t, k) end return n end\n"  # fmt: skip
SHOW = "local function show(...) local r = table.pack(...) for i = 1, r.n do local v = r[i] r[i] = (type(v) == 'function' or type(v) == 'table' or type(v) == 'thread' or type(v) == 'userdata') and type(v) or tostring(v) end return table.concat(r, ' ', 1, r.n) end\n"
HEX = "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end\n"  # fmt: skip

PACK_ITEMS = [
    ("b", "int"), ("B", "uint"), ("h", "int"), ("H", "uint"), ("i", "int"), ("I", "uint"),
    ("l", "int"), ("L", "uint"), ("j", "int"), ("J", "uint"), ("T", "uint"), ("i1", "int"),
    ("i3", "int"), ("I5", "uint"), ("i7", "int"), ("i8", "int"), ("i16", "int"), ("I9", "uint"),
    ("f", "float"), ("d", "float"), ("n", "float"), ("s", "str"), ("s1", "str"), ("s2", "str"),
    ("z", "str"), ("c3", "str"), ("x", None), ("<", None), (">", None), ("=", None),
    ("!", None), ("!4", None), ("!8", None), ("Xi4", None), (" ", None), ("i17", "int"),
    ("Xz", None), ("c", "str"),
]  # fmt: skip


@generator("lua", "pack")
def pack_cases() -> st.SearchStrategy[Case]:
    """string.pack, unpack and packsize over formats and values (some overflowing or short)."""
    values = {
        "int": st.one_of(st.integers(-300, 300), st.integers(-(2**63), 2**63 - 1)).map(str),
        "uint": st.one_of(st.integers(0, 70000), st.integers(-5, 2**63 - 1)).map(str),
        "float": floats,
        "str": strings.map(quote),
    }

    def item(spec: tuple[str, str | None]) -> st.SearchStrategy[tuple[str, str | None]]:
        return values[spec[1]].map(lambda v: (spec[0], v)) if spec[1] else st.just((spec[0], None))

    items = st.lists(st.sampled_from(PACK_ITEMS).flatmap(item), min_size=1, max_size=6)

    def program(parts: list[tuple[str, str | None]], cut: int, start: int) -> str:
        fmt = quote("".join(p[0] for p in parts))
        args = ", ".join(v for _, v in parts if v is not None)
        return (
            HEX
            + f"local ok, s = pcall(string.pack, {fmt}{', ' + args if args else ''})\n"
            + "if not ok then print('pack', s) s = string.rep('\\1', 24) else print(#s, hex(s)) end\n"
            + f"print(pcall(string.unpack, {fmt}, s))\n"
            + f"print(pcall(string.unpack, {fmt}, s:sub(1, {cut})))\n"
            + f"print(pcall(string.unpack, {fmt}, s, {start}))\n"
            + f"print(pcall(string.packsize, {fmt}))\n"
        )

    return st.tuples(items, st.integers(0, 9), st.integers(-4, 4), HOW).map(
        lambda p: runs(program(p[0], p[1], p[2]), p[3])
    )


UTF8_TEXTS = [
    "", "abc", "héllo", "日本語", "\\u{10FFFF}", "\\xff", "a\\xC0\\x80b", "\\u{7FFFFFFF}",
    "\\u{D800}", "€uro", "\\xE2\\x82", "\\0x", "ü\\xF4\\x90\\x80\\x80", "😀!",
]  # fmt: skip


@generator("lua", "utf8")
def utf8_cases() -> st.SearchStrategy[Case]:
    """The utf8 library on valid, overlong, surrogate and cut sequences (strict and lax)."""
    text = st.sampled_from(UTF8_TEXTS).map(lambda s: f'"{s}"')
    small = st.integers(-5, 8).map(str)
    lax = st.sampled_from(["", ", true"])
    calls = st.one_of(
        st.tuples(text, lax).map(lambda a: f"utf8.len({a[0]}, 1, -1{a[1]})"),
        st.tuples(text, small, small).map(lambda a: f"utf8.len({a[0]}, {a[1]}, {a[2]})"),
        st.tuples(text, small, small, lax).map(
            lambda a: f"utf8.codepoint({a[0]}, {a[1]}, {a[2]}{a[3]})"
        ),
        st.tuples(text, small).map(lambda a: f"utf8.offset({a[0]}, {a[1]})"),
        st.tuples(text, small, small).map(lambda a: f"utf8.offset({a[0]}, {a[1]}, {a[2]})"),
        st.lists(
            st.one_of(st.integers(0, 0x10FFFF), st.sampled_from([0x7FFFFFFF, -1, 2**31])),
            max_size=4,
        ).map(lambda cs: f"hex(utf8.char({', '.join(map(str, cs))}))"),
        st.tuples(text, lax).map(
            lambda a: (
                f"(function() local r = {{}} for p, c in utf8.codes({a[0]}{a[1]}) do "
                "r[#r + 1] = p .. ':' .. c end return table.concat(r, ' ') end)()"
            )
        ),
        text.map(lambda a: f"select(2, string.gsub({a}, utf8.charpattern, ''))"),
    )
    return st.tuples(st.lists(calls, min_size=1, max_size=4), HOW).map(
        lambda p: runs(
            HEX + "".join(f"print(pcall(function() return {c} end))\n" for c in p[0]), p[1]
        )
    )


DEBUG_SNIPPETS = [
    # getinfo on functions and levels
    "local function f(a, b, ...)\n  local c = a\n  return c\nend\n"
    "local i = debug.getinfo(f, 'SlnutL')\n"
    "print(i.what, i.short_src, i.source, i.linedefined, i.lastlinedefined, i.nups, i.nparams, i.isvararg, i.currentline)\n"
    "local lines = {} local k = next(i.activelines) while k do lines[#lines + 1] = k k = next(i.activelines, k) end table.sort(lines) print(table.concat(lines, ','))",
    "local function g() local i = debug.getinfo(1, 'nSl') return i.name, i.namewhat, i.currentline, i.what end\nprint(g())\nlocal t = {m = g} print(t.m()) print(t:m())",
    "local function depth() local n = 1 while debug.getinfo(n, 'l') do n = n + 1 end return n end\nprint(depth(), (function() return depth() end)())",
    "local i = debug.getinfo(print) print(i.what, i.short_src, i.currentline, i.linedefined, i.source, i.nparams, i.isvararg)",
    "print(pcall(debug.getinfo, 1, '>'))\nprint(pcall(debug.getinfo, 1, 'q'))\nprint(debug.getinfo(100))",
    "local function tail() return debug.getinfo(1, 't').istailcall end\nlocal function caller() return tail() end\nprint(caller(), (tail()))",
    "local i = debug.getinfo(1, 'S') print(i.what, i.short_src, i.linedefined)\nlocal m = debug.getinfo(2, 'S') print(m and m.what)",
    # locals
    "local function f(p, q, ...)\n  local x, y = 10, 'w'\n  for n = 1, 20 do local name, v = debug.getlocal(1, n) if not name then break end print(n, name, type(v) ~= 'table' and v or 'table') end\n  print(debug.getlocal(1, -1), debug.getlocal(1, -2), debug.getlocal(1, -3))\nend\nf(1, 'two', 'va1', 'va2')",
    "local function f(a, b) end\nprint(debug.getlocal(f, 1), debug.getlocal(f, 2), debug.getlocal(f, 3))\nprint(pcall(debug.getlocal, 50, 1))",
    "local function f() local v = 1 debug.setlocal(1, 1, 42) return v end print(f())\nlocal function h() local a = 1 return debug.setlocal(1, 5, 0) end print(h())",
    "do local a <const> = 3 local b = 4 for i = 1, 3 do print(debug.getlocal(1, i)) end end",
    # upvalues
    "local u1, u2 = 'one', 2\nlocal function f() return u1, u2 end\nfor n = 1, 3 do print(debug.getupvalue(f, n)) end\nprint(debug.setupvalue(f, 2, 'changed'), f())\nprint(debug.getupvalue(print, 1), debug.getupvalue(string.gmatch('a', 'a'), 1))",
    "local a, b = 1, 2\nlocal function f() return a end local function g() return b end\nprint(debug.upvalueid(f, 1) == debug.upvalueid(g, 1))\ndebug.upvaluejoin(f, 1, g, 1) print(f(), debug.upvalueid(f, 1) == debug.upvalueid(g, 1))\nprint(pcall(debug.upvaluejoin, f, 3, g, 1))",
    "local x = 5 local function f() x = x + 1 return x end print(f(), debug.getupvalue(f, 1)) print(pcall(debug.upvalueid, f, 9))",
    # hooks
    "local lines = {}\ndebug.sethook(function(e, l) lines[#lines + 1] = l end, 'l')\nlocal s = 0\nfor i = 1, 3 do\n  s = s + i\nend\ndebug.sethook()\nprint(s, table.concat(lines, ' '))",
    "local events = {}\nlocal function f(n) if n > 0 then return f(n - 1) end return 0 end\ndebug.sethook(function(e) events[#events + 1] = e end, 'cr')\nf(3) math.abs(1)\ndebug.sethook()\nprint(table.concat(events, ','))",
    "local n = 0\ndebug.sethook(function(e) n = n + 1 end, '', 7)\nlocal s = 0 for i = 1, 100 do s = s + i end\ndebug.sethook()\nprint(s, n)\nprint(debug.gethook())",
    "debug.sethook(print, 'crl', 3)\nlocal _, mask, count = debug.gethook()\ndebug.sethook()\nprint(mask, count, debug.gethook())",
    "local seen = {}\ndebug.sethook(function(e) local i = debug.getinfo(2, 'nSr') seen[#seen + 1] = e .. ':' .. tostring(i.name) .. ':' .. i.what .. ':' .. i.ftransfer .. ':' .. i.ntransfer end, 'cr')\nlocal function add(a, b) return a + b end\nlocal r = add(2, 3)\ndebug.sethook()\nprint(r, table.concat(seen, ' '))",
    "local co = coroutine.create(function() local x = 1 coroutine.yield(x) return 2 end)\nlocal lines = {}\ndebug.sethook(co, function(e, l) lines[#lines + 1] = e .. l end, 'l')\nprint(coroutine.resume(co)) print(coroutine.resume(co))\nprint(select(2, debug.gethook(co)), table.concat(lines, ' '))\nprint(debug.getinfo(co, 0, 'l').currentline)",
    "local co = coroutine.create(function(a) local b = a * 2 coroutine.yield() end)\ncoroutine.resume(co, 21)\nprint(debug.getlocal(co, 1, 1), debug.getlocal(co, 1, 2))\nprint(debug.traceback(co))\nprint(debug.traceback(co, 'msg', 1))",
    # traceback and the rest
    "local function inner() return debug.traceback('here', 1) end\nlocal function outer() return inner() .. '' end\nprint(outer())\nprint(debug.traceback(42), debug.traceback(nil) == nil)",
    "local function lvl3() error('deep error') end\nlocal function lvl2() lvl3() end\nprint(xpcall(lvl2, debug.traceback))",
    "print(debug.getmetatable('').__index == string, debug.getmetatable(1))\nlocal t = debug.setmetatable({}, {__index = function(_, k) return k .. '!' end}) print(t.key)\nprint(pcall(debug.setmetatable, {}, 1))",
    "print(debug.getuservalue(io.stdout, 1)) print(debug.getuservalue(1)) print(debug.setuservalue(io.stdout, 1, 1) == io.stdout)\nprint(debug.setcstacklimit(100))",
    "print(type(debug.getregistry()), debug.getregistry()._LOADED.string == string)",
    "local function f(...) local a = ... return select('#', ...) end\nlocal i = debug.getinfo(f, 'u') print(i.nparams, i.isvararg, i.nups)\nprint(debug.getinfo(1, 'f').func ~= nil)",
]  # fmt: skip


@generator("lua", "debug")
def debug_cases() -> st.SearchStrategy[Case]:
    """The debug library: getinfo, locals, upvalues, hooks (line, call, return, count),
    tracebacks, in files, -e chunks and stdin (the source names differ)."""
    return st.tuples(
        st.lists(st.sampled_from(DEBUG_SNIPPETS), min_size=1, max_size=3, unique=True), HOW
    ).map(lambda p: runs("\n".join(f"do\n{s}\nend" for s in p[0]) + "\n", p[1]))


DUMPED = [
    "function(a, b) return a + b, a .. b, 'long string constant ' .. ('x'):rep(3) end",
    "function(...) local t = {...} return #t, 3.25, -7, 2^63, true, nil, 'x' end",
    "function(n) local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end return fib(n) end",
    "function(s) return s:upper(), ('short'), [[\nlong]], 0x7fffffffffffffff, -0.0, 1e300 end",
    "function(x) local r = {} for i = 1, x do r[i] = function() return i * i end end return r[x] and r[x]() end",
    "function() local up = 10 return function() up = up + 1 return up end end",
    "function(a) goto skip do return 'never' end ::skip:: if a then return 'a' elseif not a then return 'b' end end",
    "function(a) local t <close> = nil local c <const> = 4 return c * (a or 1), " + "'" + "z" * 50 + "'" + " end",
]  # fmt: skip


@generator("lua", "dump")
def dump_cases() -> st.SearchStrategy[Case]:
    """string.dump and load of binary chunks (stripped or not), from strings and files,
    truncated, corrupted, or refused by load's mode."""
    arg = st.sampled_from(["1, 2", "'p', 'q'", "5", "nil", "3, 4, 5", "false"])

    def program(fn: str, strip: bool, args: str, cut: int, flip: int, how: str) -> str:
        body = SHOW + f"local f = {fn}\nlocal s = string.dump(f{', true' if strip else ''})\n"
        body += "print(#s > 0, s:sub(1, 4) == '\\27Lua', s:byte(5), s:byte(6))\n"
        body += f"local g = assert(load(s, 'chunk', 'b'))\nprint(show(pcall(f, {args})))\n"
        body += f"print(show(pcall(g, {args})))\n"
        body += "print(show(load(s, 'c', 't')))\n"
        body += f"print(show(load(s:sub(1, {cut}), 'cut')))\n"
        body += f"local b = {{s:byte(1, -1)}} b[{flip}] = (b[{flip}] + 1) % 256\n"
        body += "print(show(pcall(load, string.char(table.unpack(b)), 'flip')))\n"
        body += "print(pcall(string.dump, print))\n"
        if how == "file":
            body += "local out = assert(io.open('chunk.luac', 'wb')) out:write(s) out:close()\n"
            body += f"print(show(pcall(assert(loadfile('chunk.luac')), {args})))\n"
            body += "print(show(loadfile('chunk.luac', 't')))\nos.remove('chunk.luac')\n"
        return body

    return st.tuples(
        st.sampled_from(DUMPED), st.booleans(), arg, st.integers(0, 40),
        st.integers(1, 40), HOW,
    ).map(lambda p: runs(program(p[0], p[1], p[2], p[3], p[4], p[5]), p[5]))  # fmt: skip


def long_bracket(text: str, level: int) -> str:
    """``text`` inside a long bracket of ``level``, raised until the text cannot close it."""
    while "]" + "=" * level + "]" in text + "]":
        level += 1
    return "[" + "=" * level + "[" + text + "]" + "=" * level + "]"


LEXER_SNIPPETS = [
    r'print("\x41\65\u{48}\u{7FF}\u{FFFF}\u{10FFFF}\u{7FFFFFFF}" == "AAH\u{7FF}\u{FFFF}\u{10FFFF}\u{7FFFFFFF}", #"\u{7FFFFFFF}")',
    r'print("a\z' + "\n" + r'      b", "tab\tnew\\n", "\a\b\f\v" == "\7\8\12\11", "q\"q\'", ' + "'\\''" + ")",
    "print(0x10, 0xA.8p1, 1e-3, 3., .5, 0x.1p4, 9223372036854775807, 9223372036854775808, 0xffffffffffffffff, 1E2, 0x1P-2)",
    "print(2^53 == 2^53 + 1, math.maxinteger + 1 == math.mininteger, -9223372036854775808, 1//0.0, -1 % 0.0)",
    "print(\"line1\\\nline2\")",
    "local s = 'x' --[==[ a long\ncomment ]] ]=] ]==] print(s) -- short comment\n--[[ another ]] print(#[[\n]])",
    "print(#[[\r\nx]], #[[\n\rx]], [==[]]]==], [=[a]]=])",
    "print(10 // 3, 10.0 // 3, -7 // 2, -7 % 3, 7 % -3, 5.5 % 2, 3 & 5, 3 | 5, 3 ~ 5, ~0, 1 << 63, 1 << 64, -1 >> 1, 2^-1, '10' + 1, '0x10' * 1, '3' // 1, 10 / 2)",
    "print(1 < 1.5, 1.5 < 2, -0.0 == 0, math.mininteger < 1e300, 'a' < 'b', 'Z' < 'a', '' < 'a', 2^63 > math.maxinteger, math.maxinteger + 0.0 == 2^63)",
    "print(3 == 3.0, math.type(3 // 1), math.type(3 / 1), 7 // 0.0, -7 // 0.0, 0/0 ~= 0/0, math.ult(-1, 1), 5 // -2, 5.0 % -2)",
]  # fmt: skip
SYNTAX_ERRORS = [
    'print("unfinished', "print([[never closed", "print('\\xZZ')", "print('\\u{110000000}')",
    "print('\\400')", "print(3x)", "print(0x)", "print([=x[ ]])", "x = = 1", "print('\\q')",
    "--[[ open comment", "for i = 1 do end", "local x <foo> = 1", "local a <close>, b <close> = 1, 2",
    "local c <const> = 1 c = 2", "goto out do local z = 1 ::out:: end", "::l:: ::l::",
    "do goto nowhere end", "break", "local function f() return 1 print(2) end", "f(",
    "x = 1 +", "local t = {1, 2,, 3}", "local " + ", ".join(f"v{i}" for i in range(201)) + " = 1",
    "local x = " + "(" * 250 + "1" + ")" * 250, "local function f() " + " ".join(f"local u{i} = {i}" for i in range(60)) + " return function() return " + " + ".join(f"u{i}" for i in range(60)) + " end end print(f()())", "return return", "a.b:c = 1", "print(1 .. 2)",
    "print(0xep1)", "local 1x = 2", "print('a' 'b')", "for i = 1, 2, 0 do end",
    "local t = setmetatable({}, {}) local x <close> = t", "print(#...)", "function f(a, ...) return ... end print(f(1, 2, 3)) local function g() return ... end",
    "x = '\\u{D800}' print(#x)", "print(('x'):rep(3, 1))", "local x <close> = 42",
]  # fmt: skip
CONTROL_SNIPPETS = [
    "for i = 1, 5 do\n  if i % 2 == 0 then goto continue end\n  print(i)\n  ::continue::\nend",
    "local i = 1\n::top::\nif i <= 3 then print('loop', i) i = i + 1 goto top end",
    "for i = math.maxinteger - 2, math.maxinteger do print(i) end\nfor i = math.mininteger, math.mininteger + 2 do print(i) end\nfor i = 1, 0 do print('never') end",
    "for i = 1.0, 2.0, 0.5 do print(i) end for i = 3, 1, -1 do print(i) end for i = 1, 3.5 do print(i) end",
    "print(pcall(function() for i = 1, 10, 0 do end end))\nprint(pcall(function() for i = 'a', 2 do end end))\nprint(pcall(function() for i = 1.0, 2, 0.0 do end end))",
    "local function mk(n) return setmetatable({}, {__close = function(_, e) print('close', n, e) end}) end\ndo local a <close> = mk(1) local b <close> = mk(2) print('body') end\nprint(pcall(function() local c <close> = mk(3) error('err', 0) end))",
    "local function mk(n) return setmetatable({}, {__close = function() print('closing', n) end}) end\nlocal function f() local x <close> = mk('f') return 'ret' end print(f())\nfor i = 1, 2 do local y <close> = mk(i) if i == 2 then break end end",
    "local co = coroutine.wrap(function() local x <close> = setmetatable({}, {__close = function() print('co closed') end}) coroutine.yield(1) return 2 end)\nprint(co()) print(co())",
    "local function iter(s, i) if i < 3 then return i + 1, i * 10 end end\nlocal closing = setmetatable({}, {__close = function() print('iterator closed') end})\nfor i, v in iter, nil, 0, closing do print(i, v) end",
    "local x <const> = 10 local y <const> = x * 2 print(x, y, x .. y)\nlocal s <const> = 'str' print(s:upper())",
    "local t = {10, 20, 30, n = 3, [1.0] = 'one', [2^53] = 'big'} print(t[1], #t, t.n, t[2^53])\nlocal a, b, c = (function() return 1, 2, 3 end)() print(a, b, c)\nprint((select(2, 'a', 'b', 'c')))",
    "local function v(...) return select('#', ...), ... end print(v()) print(v(nil, nil)) print(v(table.unpack({1, 2, nil, 4}, 1, 4)))\nprint(table.pack(v(1, 2)).n)",
    "local fs = {} for i = 1, 3 do fs[i] = function() return i end end print(fs[1](), fs[2](), fs[3]())\nlocal j = 0 local gs = {} while j < 3 do j = j + 1 local k = j gs[j] = function() k = k + 10 return k end end print(gs[1](), gs[1](), gs[3]())",
    "local s = 0 for i = 1, 200 do local t = {i, i + 1, x = i} s = s + t[1] + t.x end print(s)\nlocal big = {} for i = 1, 1000 do big[i] = i * 2 end print(#big, big[500])\nfor i = 1, 500 do big[i] = nil end print(big[501], big[1000])",
    "local t = {} t[1] = 1 t[2] = 2 t[4] = 4 print(#t == 2 or #t == 4) t[3] = 3 print(#t)\nt = {n = 1} t[1.5] = 'f' t[-1] = 'neg' t[0] = 'zero' print(t[1.5], t[-1], t[0], t[3])\nprint(pcall(function() t[nil] = 1 end)) print(pcall(function() t[0/0] = 1 end))",
    "local a = {} for i = 1, 40 do a[i * 1.0] = i end print(#a, a[40], math.type(next({[3.0] = 1})))\nlocal h = {} for i = 1, 100 do h['k' .. i] = i end for i = 1, 100, 2 do h['k' .. i] = nil end print(h.k2, h.k3, h.k100)",
    "local x = 0 while true do x = x + 1 if x > 5 then break end end print(x)\nrepeat local y = x x = x - 1 until y < 3 print(x)",
    "local function f(a, b, c) return a and b or c end print(f(1, 2, 3), f(nil, 2, 3), f(1, false, 3), 1 and nil, false or nil, nil and 1)\nprint(not nil == true, not 0, 1 == 1.0, 'a' == 'a', {} == {})",
]  # fmt: skip


@generator("lua", "syntax")
def syntax_cases() -> st.SearchStrategy[Case]:
    """The lexer and parser: long brackets of every level, escapes, numerals, goto, integer
    and float loops, attributes (const, close), varargs, closures, and their errors."""
    long_text = st.text("ab]=[\n -", max_size=20)
    long_strings = st.tuples(long_text, st.integers(0, 3), st.booleans()).map(
        lambda p: (
            f"--{long_bracket(p[0], p[1])} print('after comment')"
            if p[2]
            else f"local s = {long_bracket(p[0], p[1])} print(#s, (s:gsub('\\n', '|')))"
        )
    )
    snippets = st.one_of(
        st.sampled_from(LEXER_SNIPPETS), st.sampled_from(CONTROL_SNIPPETS), long_strings
    )
    programs = st.one_of(
        st.lists(snippets, min_size=1, max_size=4).map(lambda ss: "\n".join(ss) + "\n"),
        st.sampled_from(SYNTAX_ERRORS).map(lambda s: s + "\n"),
    )
    return st.tuples(programs, HOW).map(lambda p: runs(*p))


EVENTS = ["__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm", "__idiv", "__band",
          "__bor", "__bxor", "__shl", "__shr", "__bnot", "__concat", "__len", "__eq", "__lt",
          "__le", "__call", "__index", "__newindex"]  # fmt: skip
EVENT_USES = {
    "__add": "o + 1", "__sub": "1 - o", "__mul": "o * o", "__div": "o / 2", "__mod": "o % 3",
    "__pow": "2 ^ o", "__unm": "-o", "__idiv": "o // 1", "__band": "o & 1", "__bor": "3 | o",
    "__bxor": "o ~ 1", "__shl": "o << 1", "__shr": "1 >> o", "__bnot": "~o", "__concat": "'s' .. o",
    "__len": "#o", "__eq": "o == setmetatable({}, getmetatable(o))", "__lt": "o < o",
    "__le": "1 <= o", "__call": "o(1, 2)", "__index": "o.missing", "__newindex": "rawget(o, 'k') == nil and (function() o.k = 1 return rawget(o, 'k') end)()",
}  # fmt: skip
META_SNIPPETS = [
    "local V = {} V.__index = V\nfunction V.new(x, y) return setmetatable({x = x, y = y}, V) end\nfunction V.__add(a, b) return V.new(a.x + b.x, a.y + b.y) end\nfunction V.__eq(a, b) return a.x == b.x and a.y == b.y end\nfunction V.__tostring(v) return '(' .. v.x .. ',' .. v.y .. ')' end\nfunction V:len() return math.sqrt(self.x ^ 2 + self.y ^ 2) end\nlocal v = V.new(3, 4) + V.new(0, 0) print(tostring(v), v:len(), v == V.new(3, 4), v ~= V.new(1, 1))",
    "local base = {greet = function(self) return 'hi ' .. self.name end}\nlocal mid = setmetatable({kind = 'mid'}, {__index = base})\nlocal obj = setmetatable({name = 'o'}, {__index = mid}) print(obj:greet(), obj.kind, obj.none)",
    "local log = {} local proxy = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = tostring(k) .. '=' .. tostring(v) rawset(t, k, v) end})\nproxy.a = 1 proxy.a = 2 proxy[1] = 'x' print(table.concat(log, ' '), proxy.a)",
    "local store = {} local t = setmetatable({}, {__newindex = store, __index = store}) t.x = 5 print(rawget(t, 'x'), store.x, t.x)",
    "local mt = {__metatable = 'locked'} local t = setmetatable({}, mt) print(getmetatable(t)) print(pcall(setmetatable, t, {}))",
    "local t = setmetatable({}, {__tostring = function() return 'custom' end}) print(tostring(t), string.format('%s|', t))\nlocal bad = setmetatable({}, {__tostring = function() return 1 end}) print(pcall(tostring, bad))",
    "local mt = {__lt = function(a, b) return a.v < b.v end, __le = function(a, b) return a.v <= b.v end}\nlocal function n(v) return setmetatable({v = v}, mt) end\nlocal t = {n(3), n(1), n(2)} table.sort(t) print(t[1].v, t[2].v, t[3].v, n(1) > n(2), n(2) >= n(2))",
    "local t = setmetatable({}, {__index = function(t, k) return k * 2 end, __call = function(self, a, b) return a + b end, __len = function() return 99 end}) print(t[21], t(1, 2), #t)",
    "print(pcall(function() return {} + 1 end)) print(pcall(function() return {} < {} end)) print(pcall(function() return 'a' < 1 end)) print(pcall(function() return #nil end)) print(pcall(function() local a = {} return a.b.c end))",
    "print(pcall(function() return 1 & 1.5 end)) print(pcall(function() return '3' | 1 end)) print(pcall(function() return 'x' | 1 end)) print(pcall(function() return 2^63 | 0 end)) print(pcall(function() local t = {} t.x() end))",
    "local s = setmetatable({}, {__concat = function(a, b) return 'cat' end}) print(s .. 'x', 'x' .. s, 1 .. s) print(pcall(function() return {} .. 'x' end))",
    "string.len2 = function(s) return #s * 2 end print(('abc'):len2())\nlocal mt = getmetatable('') mt.__add = function(a, b) return 'added' end print(pcall(function() return 'a' + 'b' end)) mt.__add = nil",
    "local depth = 0 local t = setmetatable({}, {__index = function(t, k) depth = depth + 1 if depth < 5 then return t[k] end return depth end}) print(t.x)\nlocal chain = {} for i = 1, 50 do chain = setmetatable({}, {__index = chain}) end print(pcall(function() return chain.nothing end))",
    "local t = setmetatable({}, {__index = setmetatable({}, {__index = function(_, k) return 'deep ' .. k end})}) print(t.key)\nlocal loop = {} setmetatable(loop, {__index = loop, __newindex = loop}) print(pcall(function() return loop.x end)) print(pcall(function() loop.x = 1 end))",
    "local t = setmetatable({}, {__eq = function() return true end}) local u = setmetatable({}, {__eq = function() return false end}) print(t == u, u == t, t == t, rawequal(t, u), rawlen({1, 2}), rawlen('abc'))\nprint(pcall(rawlen, 5))",
    "local mt = {__div = function(a, b) return 'div' end, __mod = function() return 'mod' end, __idiv = function() return 'idiv' end, __unm = function() return 'unm' end} local o = setmetatable({}, mt) print(o / 1, 1 % o, o // o, -o)",
]  # fmt: skip


@generator("lua", "metatables")
def metatable_cases() -> st.SearchStrategy[Case]:
    """Metamethods: every event on an object whose handler names itself, classes, proxies,
    protected metatables, comparison and concatenation, and the errors without them."""
    every_event = st.lists(st.sampled_from(EVENTS), min_size=1, max_size=8, unique=True).map(
        lambda events: (
            "local mt = {} for _, e in ipairs({"
            + ", ".join(quote(e) for e in events)
            + "}) do mt[e] = function(a, b) return e end end\nlocal o = setmetatable({}, mt)\n"
            + "".join(
                f"print({quote(e)}, pcall(function() return {EVENT_USES[e]} end))\n" for e in EVENTS
            )
        )
    )
    snippets = st.lists(st.sampled_from(META_SNIPPETS), min_size=1, max_size=3, unique=True).map(
        lambda ss: "\n".join(f"do\n{s}\nend" for s in ss) + "\n"
    )
    return st.tuples(st.one_of(every_event, snippets), HOW).map(lambda p: runs(*p))


GC_SNIPPETS = [
    "print(collectgarbage('isrunning')) collectgarbage('stop') print(collectgarbage('isrunning')) collectgarbage('restart') print(collectgarbage('isrunning'))",
    "print(collectgarbage('incremental', 100, 200, 10)) print(collectgarbage('generational', 20, 100)) print(collectgarbage('incremental')) print(collectgarbage('setpause', 150), collectgarbage('setpause', 200)) print(collectgarbage('setstepmul', 300), collectgarbage('setstepmul', 100))",
    "print(type(collectgarbage('count')), collectgarbage(), collectgarbage('collect'), type(collectgarbage('step')), type(collectgarbage('step', 100)))\nprint(pcall(collectgarbage, 'nosuch'))",
    "collectgarbage('generational') local t = {} for i = 1, 3000 do t[i] = {i} end t = nil collectgarbage() for i = 1, 2000 do local s = {tostring(i)} end collectgarbage('step') print('gen ok', collectgarbage('incremental'))",
    COUNT + "local weak = setmetatable({}, {__mode = 'k'}) local keep = {}\nfor i = 1, 10 do local k = {} weak[k] = i if i % 3 == 0 then keep[#keep + 1] = k end end\ncollectgarbage() print(count(weak))",
    COUNT + "local weak = setmetatable({}, {__mode = 'v'}) for i = 1, 10 do weak[i] = {i} end weak[11] = 'str' weak[12] = 12\nlocal hold = weak[2] collectgarbage() print(count(weak), weak[2] == hold, weak[11], weak[12])",
    COUNT + "local eph = setmetatable({}, {__mode = 'k'}) local keys = {}\nfor i = 1, 8 do local k = {} eph[k] = {ref = k, i = i} if i <= 2 then keys[i] = k end end\nlocal a, b = {}, {} eph[a] = b eph[b] = a keys[3] = a\ncollectgarbage() collectgarbage() print(count(eph), eph[keys[1]].i, eph[a] == b, eph[b] == a)",
    COUNT + "local all = setmetatable({}, {__mode = 'kv'}) for i = 1, 6 do all[{}] = {} all[i] = {} end all.x = 'kept' collectgarbage() print(count(all), all.x)",
    "local order = {} for i = 1, 5 do setmetatable({}, {__gc = function() order[#order + 1] = i end}) end collectgarbage() print(table.concat(order, ' '))",
    "local saved local mt = {__gc = function(o) saved = o print('finalizing', o.name) end} do setmetatable({name = 'obj'}, mt) end collectgarbage() print(saved and saved.name) saved = nil collectgarbage() print('after')",
    "setmetatable({}, {__gc = function() print('finalized at exit') end}) print('end of script')",
    "local mt = {} local t = setmetatable({}, mt) mt.__gc = function() print('not marked') end t = nil collectgarbage() print('set after: no finalizer')",
    "setmetatable({}, {__gc = function() error('in gc') end}) collectgarbage() print('survived')",
    COUNT + "local cache = setmetatable({}, {__mode = 'v'}) local function get(n) local v = cache[n] if not v then v = {n = n} cache[n] = v end return v end\nlocal x = get(1) get(2) get(3) collectgarbage() print(count(cache), get(1) == x)",
    "local s = {} for i = 1, 200 do s[i] = string.rep('x', i) .. i end collectgarbage() local n = 0 for i = 1, 200 do n = n + #s[i] end print(n)\nlocal long = string.rep('long', 100) local t = {[long] = 1} print(t[string.rep('long', 100)])",
    "local co = coroutine.create(function() local big = {} for i = 1, 100 do big[i] = {} end coroutine.yield(#big) end) print(coroutine.resume(co)) co = nil collectgarbage() print('thread collected')",
]  # fmt: skip


@generator("lua", "collector")
def collector_cases() -> st.SearchStrategy[Case]:
    """collectgarbage's options and modes, weak tables (keys, values, ephemerons) and
    finalizers, counting what a full collection leaves (never the memory in use)."""
    return st.tuples(
        st.lists(st.sampled_from(GC_SNIPPETS), min_size=1, max_size=3, unique=True), HOW
    ).map(lambda p: runs("\n".join(f"do\n{s}\nend" for s in p[0]) + "\n", p[1]))


CO_SNIPPETS = [
    "local co = coroutine.create(function(a, b) print('start', a, b) local c = coroutine.yield(a + b) print('got', c) local d, e = coroutine.yield(c * 2) return d + e end)\nprint(coroutine.status(co)) print(coroutine.resume(co, 1, 2)) print(coroutine.status(co)) print(coroutine.resume(co, 10)) print(coroutine.resume(co, 3, 4)) print(coroutine.status(co), coroutine.resume(co))",
    "local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end return 'done' end) print(gen(), gen(), gen(), gen()) print(pcall(gen))",
    "print(coroutine.isyieldable(), select(2, coroutine.running())) local co = coroutine.create(function() print(coroutine.isyieldable(), select(2, coroutine.running()), coroutine.status(coroutine.running())) end) coroutine.resume(co)",
    "print(pcall(coroutine.yield, 1))\nlocal co = coroutine.create(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end) print(coroutine.resume(co))",
    "local co = coroutine.create(function() local ok, v = pcall(function() local x = coroutine.yield('in pcall') error('after ' .. x) end) coroutine.yield(ok, v) return 'end' end)\nprint(coroutine.resume(co)) print(coroutine.resume(co, 'resumed')) print(coroutine.resume(co)) print(coroutine.resume(co))",
    "local outer outer = coroutine.create(function() local inner = coroutine.create(function() print('outer is', coroutine.status(outer)) coroutine.yield('from inner') end) print(coroutine.resume(inner)) coroutine.yield('from outer') end) print(coroutine.resume(outer)) print(coroutine.status(outer))",
    "local co = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() print('closed by close') end}) coroutine.yield() end) coroutine.resume(co) print(coroutine.close(co), coroutine.status(co))\nprint(coroutine.close(coroutine.create(print)))\nlocal bad = coroutine.create(function() error('oops') end) coroutine.resume(bad) print(coroutine.close(bad))",
    "local co = coroutine.wrap(function(...) local n = select('#', ...) while true do n = n + select('#', coroutine.yield(n)) end end) print(co(), co(1, 2), co(nil), co(1, 2, 3))",
    "local function producer() return coroutine.create(function() for _, w in ipairs({'a', 'b', 'c'}) do coroutine.yield(w) end end) end\nlocal p = producer() local out = {} while true do local ok, w = coroutine.resume(p) if not w then break end out[#out + 1] = w end print(table.concat(out), coroutine.status(p))",
    "print(pcall(coroutine.resume, 1)) print(pcall(coroutine.status, nil)) print(coroutine.resume(coroutine.running())) print(type(select(2, pcall(coroutine.wrap(function() error({}) end)))))",
    "local co = coroutine.create(function() coroutine.yield(pcall(coroutine.yield, 'inner yield')) end) print(coroutine.resume(co)) print(coroutine.resume(co, 'back')) print(coroutine.resume(co))",
    "local function deep(n) if n == 0 then return coroutine.yield('bottom') end return deep(n - 1) end local co = coroutine.wrap(function() return deep(100) end) print(co()) print(co('up'))",
    "local co = coroutine.create(function() error(setmetatable({}, {__tostring = function() return 'err obj' end})) end) local ok, e = coroutine.resume(co) print(ok, tostring(e), coroutine.status(co))\nprint(select('#', coroutine.resume(coroutine.create(function() return end))))",
    "local t = {} for i = 1, 20 do t[i] = coroutine.wrap(function() local v = i coroutine.yield(v) return v * 2 end) end local s = 0 for i = 1, 20 do s = s + t[i]() + t[i]() end print(s)",
    "local co = coroutine.wrap(function() print(xpcall(function() coroutine.yield(1) error('x') end, function(m) return 'handled ' .. m end)) return 'fin' end) print(co()) print(co())",
]  # fmt: skip


@generator("lua", "coroutines")
def coroutine_cases() -> st.SearchStrategy[Case]:
    """Coroutines: create, resume, yield (across pcall and C calls), wrap, status, close,
    isyieldable, their errors."""
    return st.tuples(
        st.lists(st.sampled_from(CO_SNIPPETS), min_size=1, max_size=3, unique=True), HOW
    ).map(lambda p: runs("\n".join(f"do\n{s}\nend" for s in p[0]) + "\n", p[1]))


LIBRARY_SNIPPETS = [
    "print(table.concat(table.move({1, 2, 3, 4, 5}, 2, 4, 1), ',')) print(table.concat(table.move({1, 2, 3}, 1, 3, 3), ',')) print(table.concat(table.move({1, 2}, 1, 2, 1, {9, 9, 9}), ','))",
    "local p = table.pack(1, nil, 3) print(p.n, p[1], p[2], p[3]) print(table.unpack({1, 2, 3}, 2)) print(table.unpack({1, 2, 3}, -1, 1)) print(pcall(table.unpack, {}, 1, 1e8))",
    "print(pcall(table.concat, {1, {}, 3})) print(table.concat({1, 2.5, 'x'}, '-', 2, 3)) print(table.concat({}, 'x')) print(pcall(table.insert, {1}, 5, 2)) print(pcall(table.insert, {}, 1, 2, 3))",
    "local t = {5, 2, 8, 1, 9, 3, 7} table.sort(t, function(a, b) return a > b end) print(table.concat(t, ' '))\nprint(pcall(table.sort, {3, 1, 2, 5, 4, 7, 6, 9, 8, 10, 12, 11}, function(a, b) return true end))\nprint(pcall(table.sort, {1, 'x'}))",
    "local t = {} for i = 1, 100 do t[i] = (i * 37) % 101 end table.sort(t) print(t[1], t[50], t[100]) local w = {'pear', 'Apple', 'fig', 'banana'} table.sort(w) print(table.concat(w, ' '))",
    "print(table.remove({}), table.remove({1, 2, 3}, 1), #{}) local t = {1, 2, 3} print(table.remove(t, #t + 1), pcall(table.remove, t, 7))",
    "print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3.5), pcall(math.fmod, 1, 0)) print(math.fmod(1, 0.0), math.fmod(math.mininteger, -1))\nprint(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(1/0))",
    "print(math.log(8, 2), math.log(100, 10), math.log(27, 3), math.log(1), math.exp(0), math.sin(0), math.cos(0), math.tan(0))\nprint(math.asin(1), math.acos(1), math.atan(1, 1), math.atan(-1, -1), math.rad(180), math.deg(math.pi), math.pi, math.huge, -math.huge)",
    "print(math.max(3, 7.5, -1), math.min(3, 7.5, -1), math.max(2), pcall(math.max)) print(math.abs(math.mininteger), math.abs(-0.0), math.floor(-3.5), math.ceil(-3.5), math.floor(2^70), math.ceil(1e100))",
    "print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger('8'), math.tointeger(2^62), math.type(1), math.type(1.0), math.type('1'))\nprint(math.ult(1, -1), math.maxinteger, math.mininteger, math.maxinteger // -1, math.mininteger // -1, math.mininteger % -1)",
    "local R = math.random math.randomseed(42) print(R(1, 100), R(1, 100), R(10), math.type(R())) math.randomseed(42, 7) print(R(1, 1000))\nprint(pcall(R, 2, 1), pcall(R, 1, 2, 3), R(3, 3), R(math.mininteger, math.maxinteger) ~= nil, R(0) ~= nil)",
    "print(string.format('%a %A', 1.0, 0.5), string.format('%q', 1/0), string.format('%q', -1/0), string.format('%q', 0/0), string.format('%q', math.mininteger), string.format('%q', 1.5), string.format('%q', 'a\\0b\\n\\r\"'))",
    "print(string.format('%i|%+d|% d|%#x|%#o|%05.1f|%-8.3s|%.0f|%5.2s|%%', 42, 42, 42, 255, 8, 3.14159, 'abcdef', 2.5, 'xyz'))\nprint(pcall(string.format, '%y', 1)) print(pcall(string.format, '%10.100f', 1)) print(pcall(string.format, '%d', '3.0')) print(string.format('%s %s', 1, 2.0), string.format('%.3q', 'x') == nil)",
    "print(string.format('%g %g %g %.3g %e %.20f', 1e20, 0.1, 100, 2/3, 12345.6789, 0.1)) print(string.format('%c%c%c', 76, 117, 97)) print(pcall(string.format, '%q', {})) print(string.format('%-5d|%5s|', -3, 'ab'))",
    "print(tonumber('ff', 16), tonumber('zz', 36), tonumber('8', 8), tonumber(' 0x1p4 '), tonumber('1e'), tonumber('  12  '), tonumber('0x'), tonumber('1 2'), tonumber('10', 2), tonumber('-ff', 16))\nprint(pcall(tonumber, '10', 99), pcall(tonumber, 10, 16), tonumber(nil))",
    "print(tostring(1e15), tostring(1e16), tostring(-0.0), tostring(2^63), tostring(1/3), 2^31, 10 / 3, 1e100, 123456789012, 0.1 + 0.2, 100 // 1.0, -(0/0) ~= -(0/0))",
    "print(select('#'), select('#', nil, nil), select(-1, 'a', 'b'), select(2, 'a', 'b', 'c')) print(pcall(select, 0, 'a')) print(pcall(select, -5, 'a'))",
    "print(rawequal('a', 'a'), rawget({5}, 1), rawset({}, 'k', 'v').k, next({}), next({7})) print(pcall(rawset, {}, nil, 1)) print(pcall(next, {}, 'nokey'))",
    "local env = {print = print, x = 'from env'} local f = load('x = (x or \"\") .. \"!\" return x', 'chunk', 't', env) print(f(), env.x, x)\nprint(load('return 1 +')) print(type(load(function() return nil end))) local parts = {'return ', '1', ' + 41'} local i = 0 print(load(function() i = i + 1 return parts[i] end)())",
    "print(pcall(load, 'x', 'n', 'q')) print(pcall(load, 1)) print(pcall(load(\"error('in chunk')\", '=mychunk'))) print(pcall(load(\"error('in chunk')\", '@file.lua'))) print(pcall(load(\"local x = \"..string.rep('(', 300)..\"1\"..string.rep(')', 300))))",
    "print(os.date('!%Y-%m-%d %H:%M:%S', 86400 * 365), os.date('!%A %B %j %p %y %%', 1e9)) local d = os.date('!*t', 1234567890) print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)\nprint(pcall(os.date, '%Ez', 0)) print(pcall(os.date, '%Q', 0))",
    "print(os.time({year = 2000, month = 1, day = 1, hour = 12}), os.time({year = 2020, month = 14, day = 40, hour = 0, min = 0, sec = 0})) print(pcall(os.time, {year = 2000})) print(os.difftime(10, 4), os.getenv('MIRROR_NO_SUCH_VARIABLE'))",
    "print(string.len('abc'), ('x'):rep(0), ('ab'):rep(3, ','), ('hello'):sub(-3), ('hello'):sub(2, 100), ('hello'):byte(-1), ('%d'):format(7))\nprint(('abc'):find('b', 1, true), ('a.c'):find('.', 1, true), ('aaa'):gsub('a', '%%'), pcall(string.gsub, 'x', 'x', '%2'))",
    "print(string.gsub('hello world', '(%w+)', {hello = 'HI', world = false})) print(string.gsub('abc', '%w', function(c) if c == 'b' then return nil end return c:upper() end)) print(pcall(string.gsub, 'abc', '(', 'x')) print(pcall(string.find, 'a', '[a'))\nprint(pcall(string.rep, 'x', 1e10))",
    "print(string.format('%p', 1), string.format('%p', nil), string.format('%p', 'interned') == string.format('%p', 'interned'))\nlocal a, b, c = 1, 1.5, 2^53 print(a <= b, b <= a, a < b, b < a, 2.5 <= 2.5, c <= c + 1, math.maxinteger < c, math.maxinteger <= c, -c < math.mininteger, 1 < 0/0, 1 <= 0/0)",
    "local t = {} for i = 1, 500 do t[i] = 501 - i end table.sort(t) print(t[1], t[500]) for i = 1, 300 do t[i] = i % 7 end table.sort(t, function(x, y) return x > y end) print(t[1], t[300], t[500])\nprint(#string.gsub(string.rep('a', 5000), 'a', 'bb'), #string.rep('ab', 3000, ','), #table.concat(t, ','), #string.format('%s%s', string.rep('x', 3000), string.rep('y', 3000)))",
    "print(string.find('abc', 'b', -10), string.find('', ''), string.find('abc', '', 10), string.match('key = value', '(%w+)%s*=%s*(%w+)'), string.match('2024-01-15', '(%d+)-(%d+)-(%d+)'))\nprint(pcall(string.match, string.rep('a', 10), string.rep('(a)', 33)))",
]  # fmt: skip
MODULE = b"local M = {}\nprint('loading mod', ...)\nfunction M.hello(n) return 'hello ' .. n end\nreturn M\n"
IO_SNIPPETS = [
    "local f = assert(io.open('data.txt', 'w')) print(io.type(f)) f:write('line1\\n', 2, ' ', 3.5, '\\nline3') f:close() print(io.type(f), tostring(f), io.type(42))\nfor l in io.lines('data.txt') do print(l) end for l in io.lines('data.txt', 'L') do io.write('[', l, ']') end print()\nfor a, b in io.lines('data.txt', 1, 2) do print(a, b) end",
    "local f = assert(io.open('n.txt', 'w+')) f:write('10 0x1F -3.5e2 .5 nan 12abc') f:seek('set') print(f:read('n', 'n', 'n', 'n', 'n')) print(f:read('a')) print(f:seek('cur'), f:seek('end'), f:seek('set', 3), f:read(2)) f:close() os.remove('n.txt')",
    "print(io.open('no-such-file.txt')) print(pcall(io.lines, 'no-such-file.txt')) print(pcall(io.open, 'x.txt', 'rw+')) print(select('#', io.open('no-such-file.txt')))",
    "local f = assert(io.open('w.txt', 'w')) print(f:read('a')) print(f:setvbuf('full', 1024), f:setvbuf('no'), f:setvbuf('line')) print(f:write('x') == f, f:flush() == f) f:close() print(pcall(f.write, f, 'y')) print(pcall(f.lines, f)) os.remove('w.txt')",
    "io.output('out2.txt') io.write('via io.output\\n') io.close() io.output(io.stdout) io.input('out2.txt') print(io.read('L')) print(io.read('l'), io.read(0)) io.close(io.input()) io.input(io.stdin) os.remove('out2.txt')\nprint(pcall(io.close))",
    "local f = assert(io.open('b.bin', 'wb')) f:write('\\0\\1\\2\\255') f:close() f = assert(io.open('b.bin', 'rb')) print(#f:read('a'), f:read('a'), f:read('l'), f:read(1), f:read(0)) f:close() os.remove('b.bin')\nprint(pcall(io.read, 'x')) print(pcall(io.read, '*z'))",
    "local f = io.tmpfile() f:write('tmp data 42') f:seek('set', 0) print(f:read('a')) print(f:seek('end', -2), f:read(1)) print(pcall(f.seek, f, 'bad')) f:close()",
    "print(io.lines == io.lines, io.type(io.stdout), io.type(io.stdin)) io.stdout:write('direct ', 1, ' ', 2.5, '\\n') io.stderr:write('to stderr\\n') print(pcall(io.stdout.write, io.stdout, {}))",
    "local f = assert(io.open('lines.txt', 'w')) for i = 1, 5 do f:write(i, '\\n') end f:close() f = assert(io.open('lines.txt')) for a in f:lines('n') do io.write(a * 2, ' ') end print() print(f:read('a') == '') f:close() print(pcall(f.read, f))\nlocal it = io.lines('lines.txt', 'l') it() it() print(it(), it(), it(), it())",
    "local p = io.popen('echo popen works; echo err 1>&2; exit 3') print(p:read('a')) print(p:close())\nlocal w = io.popen('cat', 'w') w:write('written to cat\\n') print(w:close()) print(os.execute('exit 5')) print(os.execute())",
    "require('mod') local m = require('mod') print(m.hello('x'), package.loaded.mod == m, select(2, require('mod')))\nprint(package.searchpath('mod', './?.lua'), package.searchpath('zz', './?.lua;./?.luac'))\nprint(pcall(require, 'no.such.module'))",
    "print(type(package.path), type(package.cpath), package.config:sub(1, 1), #package.searchers, type(package.preload)) package.preload.virtual = function(name, extra) return {name = name, extra = extra} end local v = require('virtual') print(v.name, v.extra)\nprint(pcall(package.loadlib, './nolib.so', 'f'))",
    "print(dofile('mod.lua').hello('dofile')) print(type(loadfile('mod.lua'))) print(loadfile('missing.lua')) local f = loadfile('mod.lua', 't', {print = print}) print((pcall(f, 'arg1')))\nprint(pcall(dofile, 'missing.lua'))",
]  # fmt: skip


@generator("lua", "library")
def library_cases() -> st.SearchStrategy[Case]:
    """More of the standard library: table, math (seeded random), string.format, tonumber,
    load and its readers, os.date/time in UTC, io files, seek, popen, require and package."""
    snippets = st.lists(
        st.sampled_from(LIBRARY_SNIPPETS + IO_SNIPPETS), min_size=1, max_size=3, unique=True
    )
    return snippets.map(
        lambda ss: Case(
            args=("prog.lua",),
            files={
                "prog.lua": ("\n".join(f"do\n{s}\nend" for s in ss) + "\n").encode(),
                "mod.lua": MODULE,
            },
        )
    )


REPL_LINES = [
    "1 + 1", "x = 3", "=x", "x", "return 4, 'a'", "for i = 1, 2 do", "print(i) end", "x =",
    "print('multi", "line')", "error('repl error')", "error({})", "local y = 5", "y", "nil",
    "'str'", "io.write('w')", "function f()", "return 7 end", "f()", "1 +", "2", "((",
    "os.exit(3)", "io.write('w\\n') do end", "error(setmetatable({}, {__tostring = function() return 'obj' end}))",
]  # fmt: skip


@generator("lua", "interactive")
def interactive_cases() -> st.SearchStrategy[Case]:
    """The interactive loop on stdin (-i): expressions, statements, incomplete lines that ask
    for more, errors; LUA_INIT and its @file form; exits with codes."""
    repl = st.tuples(
        st.lists(st.sampled_from(REPL_LINES), min_size=1, max_size=8),
        st.sampled_from([("-i",), ("-i", "-e", "x = 10"), ("-i", "-v")]),
    ).map(lambda p: Case(args=p[1], stdin=("\n".join(p[0]) + "\n").encode()))
    init = st.tuples(
        st.sampled_from(
            [
                "print('init ran')",
                "x = 41",
                "error('init fails')",
                "@init.lua",
                "@missing.lua",
                "print(",
                "os.exit(4)",
            ]
        ),
        st.sampled_from(["LUA_INIT", "LUA_INIT_5_4"]),
        st.sampled_from([(), ("-E",)]),
    ).map(
        lambda p: Case(
            args=(*p[2], "-e", "print(x)"),
            env={p[1]: p[0]},
            files={"init.lua": b"print('from init file') x = 'file'\n"},
        )
    )
    exits = st.sampled_from([
        "os.exit(2)", "os.exit(true)", "os.exit(false)", "os.exit(0, true)", "io.write('no newline') os.exit(1)",
        "error(setmetatable({}, {__tostring = function() return 'custom error' end}))",
        "error(42)", "error(nil)", "error({})", "local t <close> = setmetatable({}, {__close = function() print('closed') end}) os.exit(5, true)",
    ]).map(lambda s: runs(s, "file"))  # fmt: skip
    debugger = st.lists(
        st.sampled_from(["print(1 + 1)", "error('x')", "syntax error here", "x = 5", "print(x)", "cont"]),
        min_size=1, max_size=5,
    ).map(
        lambda lines: Case(
            args=("-e", "debug.debug() print('after', x)"), stdin=("\n".join(lines) + "\n").encode()
        )
    )  # fmt: skip
    return st.one_of(repl, init, exits, debugger)
