"""Inputs for the SQLite shell: SQL from a small grammar of SQLite's own language (literals and
expressions, the scalar, aggregate, date and JSON functions, tables with type affinity, joins,
grouping, window functions, common table expressions, constraint and syntax errors) and the
shell around it (output modes and their options, dot-commands, scripts on stdin, as arguments,
through ``-cmd`` and ``.read``, CSV files imported, output files written, database files read
and written in the case folder).

Every script is deterministic: no random(), randomblob() or 'now', no .timer or .stats, no
recursion without a bound. Input database files are made here with Python's sqlite3 module
(serialised from memory: the same bytes for the same statements).
"""

from __future__ import annotations

import sqlite3

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

# Output modes, as .mode names; each but "tabs" and "insert" is also a command-line option.
MODES = ["list", "csv", "column", "box", "markdown", "table", "html", "json", "line", "insert",
         "quote", "tabs", "ascii"]  # fmt: skip
MODE_OPTIONS = ["list", "csv", "column", "box", "markdown", "table", "html", "json", "line",
                "quote", "tabs", "ascii"]  # fmt: skip
WORDS = ["", "a", "abc", "Hello", "hello", "x y", "it's", "42", "3.5", "0x1F", "é", "日本語",
         "NULL", "a,b", 'say "hi"', "tab\there", "two\nlines", " pad ", "<b>&</b>", "Zebra",
         "apple", "10", "9", "-1", "1e3", "true"]  # fmt: skip
COLUMNS = ["a", "b", "c", "d"]
TYPES = ["INTEGER", "TEXT", "REAL", "NUMERIC", "BLOB", "", "VARCHAR(10)", "INT", "BOOLEAN",
         "DATE", "FLOAT", "CHARACTER(20)", "DECIMAL(10,5)", "ANY"]  # fmt: skip
DATES = ["2024-01-31", "2000-02-29 12:34:56", "1970-01-01", "2023-12-31T23:59:59.5",
         "2024-03-10 02:30", "1999-12-31 23:59:59", "2461096.5", "1700000000", "12:00",
         "2024-13-01", "not a date"]  # fmt: skip
MODIFIERS = ["+1 day", "-1 month", "+12 hours", "start of month", "start of year",
             "start of day", "weekday 0", "weekday 3", "+1.5 years", "-90 minutes",
             "unixepoch", "localtime", "utc", "+30 seconds", "julianday", "auto",
             "subsec"]  # fmt: skip
TIME_FORMATS = ["%Y-%m-%d", "%H:%M:%S", "%j", "%w", "%W", "%s", "%J", "%f", "%Y/%m/%d %H:%M",
                "%%", "week %W day %w", "%d.%m.%Y"]  # fmt: skip
JSON_DOCS = ['{"a":1,"b":[1,2,3],"c":{"d":"x"}}', "[1,2.5,null,true,\"s\"]", '{"k":"v"}',
             "[]", "{}", '"text"', "42", '{"a":{"b":{"c":[10,20]}}}', "[[1,2],[3,4]]",
             '{"x":null,"y":false}', "not json", '{"a":1,"a":2}', " [ 1 , 2 ] "]  # fmt: skip
JSON_PATHS = ["$", "$.a", "$.b", "$.b[0]", "$.b[#-1]", "$.c.d", "$.a.b.c[1]", "$[1]", "$[0][1]",
              "$.x", "$.y", "$.missing", "$[#]", "$.k"]  # fmt: skip
BINARY = ["+", "-", "*", "/", "%", "||", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "AND",
          "OR", "IS", "IS NOT", "&", "|", "<<", ">>", "LIKE", "GLOB", "NOT LIKE"]  # fmt: skip
UNARY_FUNCTIONS = ["abs", "length", "lower", "upper", "typeof", "hex", "quote", "unicode",
                   "trim", "ltrim", "rtrim", "round", "sign", "soundex", "ceil", "floor",
                   "sqrt", "exp", "ln", "log10", "likely", "zeroblob", "char",
                   "json_quote", "total_changes() + length"]  # fmt: skip
CASTS = ["INTEGER", "REAL", "TEXT", "NUMERIC", "BLOB", "INT", "FLOAT", "BOOLEAN"]
PRINTF_FORMATS = ["%d", "%5d|", "%-5d|", "%05d", "%x", "%X", "%o", "%.2f", "%10.3f|", "%e",
                  "%g", "%s", "%10s|", "%-10s|", "%q", "%Q", "%w", "%c", "%,d", "%!.20g",
                  "%z", "%.3s", "%%"]  # fmt: skip

integers = st.one_of(
    st.integers(-20, 20),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0, 1, 2, 7, 100, 2**31, 2**53 + 1, 2**63 - 1, -(2**63)]),
)
floats = st.one_of(
    st.sampled_from(["0.5", "1.0", "-2.25", "1e10", "3.14159", "1e308", "2.5e-5", "0.1",
                     "100.0", "1.0e-300", "123456789.123456789", "-0.0"]),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
)  # fmt: skip
texts = st.one_of(st.sampled_from(WORDS), st.text("abcxyzABC ,.-019_'%", max_size=8))


def quote(text: str) -> str:
    """An SQL string literal of ``text``."""
    return "'" + text.replace("'", "''") + "'"


def literals() -> st.SearchStrategy[str]:
    """An SQL literal of every storage class: integer, real, text, blob, NULL."""
    return st.one_of(
        integers.map(str),
        floats,
        texts.map(quote),
        st.binary(max_size=4).map(lambda data: f"X'{data.hex().upper()}'"),
        st.sampled_from(["NULL", "TRUE", "FALSE", "''", "'1'", "' 12 '", "'12abc'"]),
    )


def expressions(depth: int = 0, names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """A scalar expression over literals (and the column ``names``, when given)."""
    atoms = literals() if not names else st.one_of(literals(), st.sampled_from(names))
    if depth >= 2:
        return atoms
    inner = expressions(depth + 1, names)
    small = st.integers(-3, 6).map(str)
    return st.one_of(
        atoms,
        st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(st.sampled_from(["-", "+", "NOT ", "~"]), inner).map(lambda p: p[0] + p[1]),
        st.tuples(st.sampled_from(UNARY_FUNCTIONS), inner).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(inner, st.sampled_from(CASTS)).map(lambda p: f"CAST({p[0]} AS {p[1]})"),
        st.tuples(inner, small, small).map(lambda p: f"substr({p[0]}, {p[1]}, {p[2]})"),
        st.tuples(inner, inner).map(lambda p: f"instr({p[0]}, {p[1]})"),
        st.tuples(inner, inner, inner).map(lambda p: f"replace({p[0]}, {p[1]}, {p[2]})"),
        st.tuples(inner, st.integers(-1, 4)).map(lambda p: f"round({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"coalesce({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"nullif({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"ifnull({p[0]}, {p[1]})"),
        st.tuples(inner, inner, inner).map(lambda p: f"iif({p[0]}, {p[1]}, {p[2]})"),
        st.tuples(inner, inner).map(lambda p: f"max({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"min({p[0]}, {p[1]})"),
        st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} BETWEEN {p[1]} AND {p[2]})"),
        st.tuples(inner, st.lists(inner, min_size=1, max_size=3)).map(
            lambda p: f"({p[0]} IN ({', '.join(p[1])}))"
        ),
        st.tuples(inner, inner, inner).map(
            lambda p: f"CASE WHEN {p[0]} THEN {p[1]} ELSE {p[2]} END"
        ),
        st.tuples(inner, inner, inner).map(
            lambda p: f"CASE {p[0]} WHEN {p[1]} THEN 'y' ELSE {p[2]} END"
        ),
        st.tuples(inner, st.sampled_from(["NULL", "NOT NULL"])).map(
            lambda p: f"({p[0]} IS {p[1]})"
        ),
        st.tuples(inner, st.sampled_from(["NOCASE", "BINARY", "RTRIM"]), inner).map(
            lambda p: f"({p[0]} = {p[2]} COLLATE {p[1]})"
        ),
        st.tuples(st.sampled_from(PRINTF_FORMATS), inner).map(
            lambda p: f"printf({quote(p[0])}, {p[1]})"
        ),
        st.tuples(inner, st.integers(-2, 4)).map(lambda p: f"pow({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"mod({p[0]}, {p[1]})"),
    )


def columns_of(count: int) -> tuple[str, ...]:
    return tuple(COLUMNS[:count])


# The shell around a script: how the script reaches it and the options around it.

HOW = st.sampled_from(["stdin", "stdin", "stdin", "argument", "read", "cmd"])


def options() -> st.SearchStrategy[tuple[str, ...]]:
    """Command-line options that shape the output (mode, headers, separators, NULL text)."""
    one = st.one_of(
        st.sampled_from(MODE_OPTIONS).map(lambda mode: (f"-{mode}",)),
        st.sampled_from([("-header",), ("-noheader",), ("-batch",), ("-echo",), ("-bail",)]),
        st.sampled_from(["NULL", "-", "∅", ""]).map(lambda text: ("-nullvalue", text)),
        st.sampled_from([";", ",", "\t", " | ", "::"]).map(lambda sep: ("-separator", sep)),
        st.sampled_from(["\n", "\r\n", ";\n", "#"]).map(lambda sep: ("-newline", sep)),
        st.sampled_from(MODES).map(lambda mode: ("-cmd", f".mode {mode}")),
        st.just(("-cmd", ".headers on")),
    )
    return st.lists(one, max_size=3).map(lambda groups: tuple(w for group in groups for w in group))


def shell_case(
    script: str, opts: tuple[str, ...] = (), how: str = "stdin", database: str = ":memory:"
) -> Case:
    """A case running ``script`` on stdin, as arguments, through ``.read`` or after ``-cmd``."""
    lines = [line for line in script.splitlines() if line.strip()]
    if how == "argument" and lines:
        return Case(args=(*opts, database, *lines))
    if how == "read":
        return Case(
            args=(*opts, database, ".read script.sql"), files={"script.sql": script.encode()}
        )
    if how == "cmd" and len(lines) > 1:
        return Case(args=(*opts, "-cmd", lines[0], database), stdin="\n".join(lines[1:]).encode())
    args = (*opts, database) if database != ":memory:" or opts else ()
    return Case(args=args, stdin=script.encode())


def statement_lines(statements: list[str]) -> str:
    return "".join(f"{statement};\n" for statement in statements)


# Tables: a schema of one to three tables with declared types, filled with rows of literals.


def table_definition(name: str) -> st.SearchStrategy[tuple[str, tuple[str, ...], list[str]]]:
    """``CREATE TABLE`` and ``INSERT`` statements of table ``name``, and its column names."""

    def build(draw_count: int) -> st.SearchStrategy[tuple[str, tuple[str, ...], list[str]]]:
        names = columns_of(draw_count)
        column_defs = st.tuples(
            *[
                st.tuples(
                    st.sampled_from(TYPES),
                    st.sampled_from(["", "", "", "", "", "", " NOT NULL", " UNIQUE", " DEFAULT 0",
                                     " CHECK (length(" + column + ") < 6)",
                                     " COLLATE NOCASE"]),
                ).map(lambda p, column=column: f"{column} {p[0]}{p[1]}".replace("  ", " ").strip())
                for column in names
            ]
        )  # fmt: skip
        rows = st.lists(
            st.tuples(*[st.one_of(literals(), integers.map(str)) for _ in names]), max_size=8
        )
        key = st.sampled_from(["", "", "", ", PRIMARY KEY (a)", ") WITHOUT ROWID"])
        return st.tuples(column_defs, rows, key).map(
            lambda p: (
                f"CREATE TABLE {name}({', '.join(p[0])}"
                + (", PRIMARY KEY (a)" if p[2] else "")
                + (") WITHOUT ROWID" if "ROWID" in p[2] else ")"),
                names,
                [f"INSERT INTO {name} VALUES({', '.join(row)})" for row in p[1]],
            )
        )

    return st.integers(1, 4).flatmap(build)


def schemas(
    max_tables: int = 2,
) -> st.SearchStrategy[tuple[list[str], dict[str, tuple[str, ...]]]]:
    """Statements making up to ``max_tables`` tables (t1, t2, ...) and their columns by table."""
    return st.integers(1, max_tables).flatmap(
        lambda count: st.tuples(*[table_definition(f"t{i + 1}") for i in range(count)]).map(
            lambda tables: (
                [statement for create, _, inserts in tables for statement in [create, *inserts]],
                {f"t{i + 1}": table[1] for i, table in enumerate(tables)},
            )
        )
    )


def queries(tables: dict[str, tuple[str, ...]]) -> st.SearchStrategy[str]:
    """A query over the tables: filters, ordering, grouping, joins, windows, subqueries, CTEs."""
    names = sorted(tables)
    first = names[0]
    cols = tables[first]
    col = st.sampled_from(cols)
    where = expressions(1, cols)
    order = st.tuples(col, st.sampled_from(["", " DESC", " NULLS FIRST", " DESC NULLS LAST",
                                            " COLLATE NOCASE"])).map("".join)  # fmt: skip
    aggregates = st.tuples(
        st.sampled_from(["count", "sum", "total", "avg", "min", "max", "group_concat",
                         "count(DISTINCT", "json_group_array"]),
        col,
    ).map(lambda p: f"{p[0]}({p[1]})" if "(" not in p[0] else f"{p[0]} {p[1]})")  # fmt: skip
    windows = st.tuples(
        st.sampled_from(["row_number()", "rank()", "dense_rank()", "percent_rank()",
                         "cume_dist()", "ntile(2)", "lag({c})", "lead({c}, 1, 'none')",
                         "first_value({c})", "last_value({c})", "nth_value({c}, 2)",
                         "sum({c})", "count(*)", "group_concat({c}, '/')", "avg({c})"]),
        col,
        st.sampled_from(["", "PARTITION BY {p} "]),
        col,
        order,
        st.sampled_from(["", " ROWS BETWEEN 1 PRECEDING AND CURRENT ROW",
                         " ROWS UNBOUNDED PRECEDING", " RANGE BETWEEN CURRENT ROW AND "
                         "UNBOUNDED FOLLOWING", " GROUPS 1 PRECEDING",
                         " ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW"]),
    ).map(
        lambda p: f"{p[0].format(c=p[1])} OVER ({p[2].format(p=p[3])}ORDER BY {p[4]}{p[5]})"
    )  # fmt: skip
    simple = st.one_of(
        st.tuples(order, st.sampled_from(["", " LIMIT 3", " LIMIT 2 OFFSET 1"])).map(
            lambda p: f"SELECT * FROM {first} ORDER BY {p[0]}{p[1]}"
        ),
        st.tuples(st.lists(where, min_size=1, max_size=3), where).map(
            lambda p: f"SELECT {', '.join(p[0])} FROM {first} WHERE {p[1]}"
        ),
        col.map(lambda c: f"SELECT {c}, typeof({c}), quote({c}) FROM {first}"),
        st.tuples(col, st.lists(aggregates, min_size=1, max_size=3), st.integers(0, 2)).map(
            lambda p: (
                f"SELECT {p[0]}, {', '.join(p[1])} FROM {first} GROUP BY {p[0]} "
                f"HAVING count(*) > {p[2]} ORDER BY {p[0]}"
            )
        ),
        st.lists(aggregates, min_size=1, max_size=3).map(
            lambda a: f"SELECT {', '.join(a)} FROM {first}"
        ),
        st.tuples(col, windows, windows).map(
            lambda p: f"SELECT {p[0]}, {p[1]}, {p[2]} FROM {first} ORDER BY 1, 2"
        ),
        st.tuples(col, where).map(
            lambda p: (
                f"SELECT DISTINCT {p[0]} FROM {first} WHERE {p[1]} OR {p[0]} IS NULL ORDER BY 1"
            )
        ),
        st.tuples(col, col).map(
            lambda p: (
                f"SELECT {p[0]} FROM {first} WHERE {p[0]} IN (SELECT {p[1]} FROM {first} "
                f"WHERE {p[1]} IS NOT NULL) ORDER BY 1"
            )
        ),
        st.tuples(col, col).map(
            lambda p: (
                f"SELECT {p[0]}, (SELECT count(*) FROM {first} AS x WHERE x.{p[1]} < "
                f"{first}.{p[1]}) AS below FROM {first} ORDER BY 2, 1"
            )
        ),
        st.tuples(col, where, st.sampled_from(["UNION", "UNION ALL", "INTERSECT", "EXCEPT"])).map(
            lambda p: f"SELECT {p[0]} FROM {first} {p[2]} SELECT {p[1]} ORDER BY 1"
        ),
        st.tuples(col, aggregates).map(
            lambda p: (
                f"WITH g AS (SELECT {p[0]} AS k, {p[1]} AS v FROM {first} GROUP BY 1) "
                f"SELECT * FROM g WHERE v IS NOT NULL ORDER BY k"
            )
        ),
        st.tuples(col, where).map(
            lambda p: f"UPDATE {first} SET {p[0]} = {p[1]} WHERE rowid % 2 = 1 RETURNING *"
        ),
        st.tuples(where).map(lambda p: f"DELETE FROM {first} WHERE {p[0]} RETURNING {cols[0]}"),
        where.map(lambda w: f"SELECT count(*), min({w}), max({w}) FROM {first}"),
    )
    if len(names) < 2:
        return simple
    other = names[1]
    joins = st.tuples(
        st.sampled_from(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN",
                         "LEFT OUTER JOIN", "NATURAL JOIN", "INNER JOIN"]),
        col,
        st.sampled_from(tables[other]),
    ).map(
        lambda p: f"SELECT * FROM {first} {p[0]} {other}"
        + ("" if p[0] in ("CROSS JOIN", "NATURAL JOIN") else f" ON {first}.{p[1]} = {other}.{p[2]}")
        + " ORDER BY 1, 2"
    )  # fmt: skip
    using = st.sampled_from(sorted(set(cols) & set(tables[other]))).map(
        lambda c: f"SELECT * FROM {first} JOIN {other} USING ({c}) ORDER BY {c}"
    )
    correlated = st.tuples(col, st.sampled_from(tables[other])).map(
        lambda p: (
            f"SELECT {p[0]} FROM {first} WHERE EXISTS (SELECT 1 FROM {other} "
            f"WHERE {other}.{p[1]} = {first}.{p[0]}) ORDER BY 1"
        )
    )
    return st.one_of(simple, joins, using, correlated)


@st.composite
def table_scripts(draw: st.DrawFn, dot_commands: bool = False) -> str:
    """A script: the schema, its rows, then one to four queries (and dot-commands)."""
    statements, tables = draw(schemas())
    body = draw(st.lists(queries(tables), min_size=1, max_size=4))
    lines = [f"{statement};" for statement in statements]
    if dot_commands:
        dots = st.sampled_from([".schema", ".tables", ".dump", ".indexes", ".headers on",
                                ".mode box", ".mode csv", ".nullvalue NULL", ".schema t1",
                                ".dump t2", ".mode insert t1", ".mode column",
                                ".fullschema --indent"])  # fmt: skip
        lines += draw(st.lists(dots, min_size=1, max_size=3))
    lines += [f"{query};" for query in body]
    return "\n".join(lines) + "\n"


# The families.


@generator("sqlite3", "expressions")
def expression_cases() -> st.SearchStrategy[Case]:
    """One SELECT of several expressions over literals, in any output mode."""
    return st.tuples(st.lists(expressions(), min_size=1, max_size=4), options(), HOW).map(
        lambda p: shell_case(f"SELECT {', '.join(p[0])};\n", p[1], p[2])
    )


@generator("sqlite3", "tables")
def table_cases() -> st.SearchStrategy[Case]:
    """Tables with type affinity and constraints, filled, then queried."""
    return st.tuples(table_scripts(), options(), HOW).map(lambda p: shell_case(*p))


@generator("sqlite3", "schema")
def schema_cases() -> st.SearchStrategy[Case]:
    """Tables queried and shown by the shell's dot-commands (.schema, .dump, .tables, modes)."""
    return st.tuples(table_scripts(dot_commands=True), options()).map(
        lambda p: shell_case(p[0], p[1])
    )


@generator("sqlite3", "dates")
def date_cases() -> st.SearchStrategy[Case]:
    """Date and time functions on fixed dates, with modifiers and strftime formats."""
    date = st.sampled_from(DATES).map(quote)
    mods = st.lists(st.sampled_from(MODIFIERS).map(quote), max_size=3)
    call = st.one_of(
        st.tuples(st.sampled_from(["date", "time", "datetime", "julianday", "unixepoch"]), date,
                  mods).map(lambda p: f"{p[0]}({', '.join([p[1], *p[2]])})"),
        st.tuples(st.sampled_from(TIME_FORMATS).map(quote), date, mods).map(
            lambda p: f"strftime({', '.join([p[0], p[1], *p[2]])})"
        ),
        st.tuples(st.integers(0, 2_000_000_000), st.sampled_from(["'unixepoch'", "'auto'"])).map(
            lambda p: f"datetime({p[0]}, {p[1]})"
        ),
        st.tuples(date, date).map(lambda p: f"julianday({p[0]}) - julianday({p[1]})"),
    )  # fmt: skip
    return st.tuples(st.lists(call, min_size=1, max_size=4), options(), HOW).map(
        lambda p: shell_case(f"SELECT {', '.join(p[0])};\n", p[1], p[2])
    )


@generator("sqlite3", "json")
def json_cases() -> st.SearchStrategy[Case]:
    """The JSON functions and operators, json_each and json_tree."""
    doc = st.one_of(st.sampled_from(JSON_DOCS).map(quote), literals())
    path = st.sampled_from(JSON_PATHS).map(quote)
    value = st.one_of(literals(), st.sampled_from(["json('[1,2]')", "json_object('n', 1)"]))
    call = st.one_of(
        st.tuples(st.sampled_from(["json", "json_valid", "json_type", "json_array_length",
                                   "json_quote"]), doc).map(lambda p: f"{p[0]}({p[1]})"),
        st.tuples(doc, st.lists(path, min_size=1, max_size=2)).map(
            lambda p: f"json_extract({p[0]}, {', '.join(p[1])})"
        ),
        st.tuples(doc, st.sampled_from(["->", "->>"]), st.one_of(path, st.integers(0, 2).map(str),
                  st.sampled_from(["'a'", "'b'"]))).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(doc, path).map(lambda p: f"json_type({p[0]}, {p[1]})"),
        st.tuples(st.sampled_from(["json_set", "json_insert", "json_replace"]), doc, path,
                  value).map(lambda p: f"{p[0]}({p[1]}, {p[2]}, {p[3]})"),
        st.tuples(doc, path).map(lambda p: f"json_remove({p[0]}, {p[1]})"),
        st.tuples(doc, doc).map(lambda p: f"json_patch({p[0]}, {p[1]})"),
        st.lists(value, max_size=4).map(lambda v: f"json_array({', '.join(v)})"),
        st.lists(st.tuples(st.sampled_from(["a", "b", "k"]), value), max_size=3).map(
            lambda kv: f"json_object({', '.join(f'{quote(k)}, {v}' for k, v in kv)})"
        ),
    )  # fmt: skip
    table_valued = st.tuples(
        st.sampled_from(["json_each", "json_tree"]),
        st.sampled_from(JSON_DOCS[:6] + JSON_DOCS[7:10]).map(quote),
        st.sampled_from(["key, value, type", "key, atom, fullkey, path", "*"]),
    ).map(lambda p: f"SELECT {p[2]} FROM {p[0]}({p[1]})")
    grouped = st.sampled_from([
        "SELECT json_group_array(value) FROM json_each('[3,1,2]')",
        "SELECT json_group_object(key, value) FROM json_each('{\"x\":1,\"y\":[2]}')",
        "SELECT sum(value), count(*) FROM json_each('[1,2.5,\"3\",null]')",
    ])  # fmt: skip
    statement = st.one_of(
        st.lists(call, min_size=1, max_size=3).map(lambda calls: f"SELECT {', '.join(calls)}"),
        table_valued,
        grouped,
    )
    return st.tuples(st.lists(statement, min_size=1, max_size=3), options(), HOW).map(
        lambda p: shell_case(statement_lines(p[0]), p[1], p[2])
    )


@generator("sqlite3", "recursive")
def recursive_cases() -> st.SearchStrategy[Case]:
    """Recursive common table expressions, bounded: counters, sequences, string building."""
    start, step, limit = st.integers(-5, 5), st.integers(1, 4), st.integers(0, 12)
    body = st.one_of(
        st.tuples(start, step, limit).map(
            lambda p: (
                f"WITH RECURSIVE c(n) AS (SELECT {p[0]} UNION ALL SELECT n + {p[1]} FROM c "
                f"WHERE n < {p[0] + p[1] * p[2]}) SELECT n, n * n, n % 3 FROM c"
            )
        ),
        limit.map(
            lambda n: (
                "WITH RECURSIVE f(i, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT i + 1, b, "
                f"a + b FROM f WHERE i < {n}) SELECT i, a FROM f"
            )
        ),
        st.tuples(texts, limit).map(
            lambda p: (
                f"WITH RECURSIVE s(i, t) AS (SELECT 0, {quote(p[0])} UNION ALL SELECT "
                f"i + 1, t || i FROM s LIMIT {p[1]}) SELECT i, t, length(t) FROM s"
            )
        ),
        st.tuples(limit, st.sampled_from(["UNION", "UNION ALL"])).map(
            lambda p: (
                f"WITH RECURSIVE c(x) AS (VALUES(1) {p[1]} SELECT (x * 3) % 7 FROM c "
                f"LIMIT {p[0]}) SELECT x, count(*) OVER () FROM c"
            )
        ),
        st.tuples(step, limit).map(
            lambda p: (
                "WITH RECURSIVE d(day) AS (SELECT date('2024-02-25') UNION ALL SELECT "
                f"date(day, '+{p[0]} days') FROM d LIMIT {p[1]}) SELECT day, strftime('%w', day) "
                "FROM d"
            )
        ),
        st.just(
            "CREATE TABLE org(name TEXT PRIMARY KEY, boss TEXT);\n"
            "INSERT INTO org VALUES('Alice', NULL), ('Bob', 'Alice'), ('Cindy', 'Alice'), "
            "('Dave', 'Bob'), ('Emma', 'Dave');\n"
            "WITH RECURSIVE under(name, level) AS (VALUES('Alice', 0) UNION ALL SELECT org.name, "
            "under.level + 1 FROM org JOIN under ON org.boss = under.name ORDER BY 2 DESC) "
            "SELECT substr('..........', 1, level * 3) || name FROM under"
        ),
    )
    return st.tuples(st.lists(body, min_size=1, max_size=2), options(), HOW).map(
        lambda p: shell_case(statement_lines(p[0]), p[1], p[2])
    )


@generator("sqlite3", "modes")
def mode_cases() -> st.SearchStrategy[Case]:
    """The output modes and their settings on one result set, set by dot-commands."""
    row = st.lists(literals(), min_size=1, max_size=3)
    values = st.lists(row, min_size=1, max_size=4)
    settings = st.lists(
        st.one_of(
            st.sampled_from(MODES).map(lambda mode: f".mode {mode}"),
            st.sampled_from([".headers on", ".headers off", ".nullvalue NULL", ".nullvalue ''",
                             ".separator ,", ".separator ' | ' '\\n--\\n'", ".width 5 -8",
                             ".width 0 3", ".mode column --wrap 4", ".mode box --wordwrap on",
                             ".mode table --noquote", ".mode quote", ".mode list --quote",
                             ".mode insert items", ".mode csv --wrap 3", ".show",
                             ".print hello 'two words'", ".echo on"]),
        ),
        min_size=1,
        max_size=3,
    )  # fmt: skip

    def script(p: tuple[list[list[str]], list[str], list[str]]) -> str:
        rows, dots, names = p
        width = max(map(len, rows))
        values = ", ".join(
            "(" + ", ".join(row + ["NULL"] * (width - len(row))) + ")" for row in rows
        )
        header = ", ".join(f'column{i + 1} AS "{names[i % len(names)]}"' for i in range(width))
        return "\n".join(dots) + f"\nSELECT {header} FROM (VALUES {values});\n"

    names = st.lists(st.sampled_from(["x", "name", "Wert", "long column name", "n"]), min_size=1,
                     max_size=3)  # fmt: skip
    return st.tuples(values, settings, names, options()).map(
        lambda p: shell_case(script((p[0], p[1], p[2])), p[3])
    )


@generator("sqlite3", "errors")
def error_cases() -> st.SearchStrategy[Case]:
    """Constraint, type and name errors, and syntax errors (a script with a token cut out),
    with and without -bail; the shell goes on after an error unless it bails."""
    failing = st.sampled_from([
        "CREATE TABLE u(a UNIQUE); INSERT INTO u VALUES(1); INSERT INTO u VALUES(1)",
        "CREATE TABLE n(a NOT NULL); INSERT INTO n VALUES(NULL)",
        "CREATE TABLE k(a CHECK (a > 0)); INSERT INTO k VALUES(-1)",
        "CREATE TABLE k(a, CONSTRAINT positive CHECK (a > 0)); INSERT INTO k VALUES(0)",
        "CREATE TABLE p(id INTEGER PRIMARY KEY); INSERT INTO p VALUES(1), (1)",
        "CREATE TABLE s(a INTEGER) STRICT; INSERT INTO s VALUES('x')",
        "PRAGMA foreign_keys = ON; CREATE TABLE p(id PRIMARY KEY); "
        "CREATE TABLE c(p REFERENCES p(id)); INSERT INTO c VALUES(5)",
        "SELECT * FROM missing", "SELECT nosuch FROM (SELECT 1 AS a)", "SELECT nofunc(1)",
        "SELECT abs()", "SELECT 1 UNION SELECT 1, 2", "CREATE TABLE t(a); CREATE TABLE t(b)",
        "SELECT json('{bad')", "SELECT substr()", "INSERT INTO nowhere VALUES(1)",
        "CREATE TABLE t(a, a)", "SELECT 1 FROM (SELECT 1) WHERE", "SELECT 'unterminated",
        "SELECT CAST(1 AS)", "CREATE TABLE t(a); DROP TABLE t; DROP TABLE t",
        "SELECT max(1) OVER ()", "SELECT row_number()", "ATTACH 'x' AS main",
        "SELECT 9223372036854775807 + 1, abs(-9223372036854775808)",
        "SELECT sum(a) FROM (SELECT 9223372036854775807 AS a UNION ALL SELECT 1)",
        "CREATE TABLE t(a); INSERT INTO t VALUES(1, 2)",
        "CREATE TABLE t(a); INSERT INTO t(b) VALUES(1)", "BEGIN; BEGIN", "COMMIT",
        "SELECT 1; .nosuchcommand", "SELECT 1; .mode nosuchmode", ".read missing.sql",
        ".import missing.csv t", "SELECT \"a\" FROM (SELECT 1 AS b)",
        "CREATE TABLE t(a); CREATE UNIQUE INDEX i ON t(a); INSERT INTO t VALUES(2), (2)",
        "CREATE TABLE t(a INTEGER PRIMARY KEY); INSERT INTO t VALUES('x')",
        "SELECT 1 GROUP BY 2", "SELECT * FROM (SELECT 1) ORDER BY 3",
    ])  # fmt: skip
    broken = table_scripts().flatmap(
        lambda text: st.integers(0, max(0, len(text) - 2)).map(
            lambda cut: text[:cut] + text[cut + 1 :]
        )
    )
    script = st.one_of(
        st.tuples(failing, st.sampled_from(["", "SELECT 'after';"])).map(
            lambda p: "\n".join(part.strip() + (";" if part.strip()[:1] != "." else "")
                                for part in p[0].split("; ")) + "\n" + p[1] + "\n"
        ),
        broken,
    )  # fmt: skip
    flags = st.sampled_from([(), (), ("-bail",), ("-echo",), ("-bail", "-echo"), ("-batch",),
                             ("-csv",), ("-json",)])  # fmt: skip
    return st.tuples(script, flags, HOW).map(lambda p: shell_case(*p))


@generator("sqlite3", "import")
def import_cases() -> st.SearchStrategy[Case]:
    """.import of a CSV file from the case folder, into a new or an existing table."""
    cell = st.one_of(
        texts.filter(lambda t: "\n" not in t),
        integers.map(str),
        floats,
        st.sampled_from(['"quoted, comma"', '"with ""quotes"""', '"multi\nline"', ""]),
    )
    width = st.integers(1, 4)
    table = width.flatmap(
        lambda w: st.lists(st.lists(cell, min_size=w, max_size=w), min_size=1, max_size=6)
    )

    def csv_text(rows: list[list[str]], separator: str) -> str:
        return "".join(separator.join(r) + "\n" for r in rows)

    def case(p: tuple[list[list[str]], str, str, tuple[str, ...], str]) -> Case:
        rows, target, query, opts, separator = p
        width = len(rows[0])
        created = (
            f"CREATE TABLE imp({', '.join(f'c{i} INTEGER' for i in range(width))});\n"
            if target == "existing"
            else ""
        )
        flag = "--csv" if separator == "," else ""
        skip = " --skip 1" if target == "skip" else ""
        mode = ".mode csv\n" if not flag else ""
        separator_line = f".separator {quote(separator)}\n" if not flag and separator != "," else ""
        script = (
            created + mode + separator_line + f".import {flag}{skip} data.csv imp\n"
            + ".mode list\n" + query + "\n"
        ).replace("  ", " ")  # fmt: skip
        return Case(
            args=opts,
            stdin=script.encode(),
            files={"data.csv": csv_text(rows, separator).encode()},
        )

    query = st.sampled_from([
        "SELECT * FROM imp;", "SELECT count(*) FROM imp;", ".schema imp",
        "SELECT typeof(c0), c0 FROM imp ORDER BY rowid;", ".headers on\nSELECT * FROM imp;",
        ".mode json\nSELECT * FROM imp;", ".dump imp",
    ])  # fmt: skip
    return st.tuples(
        table,
        st.sampled_from(["new", "existing", "skip"]),
        query,
        st.sampled_from([(), ("-header",), ("-box",), ("-bail",)]),
        st.sampled_from([",", ",", "|", ";", "\t"]),
    ).map(case)


@generator("sqlite3", "files")
def file_cases() -> st.SearchStrategy[Case]:
    """Output written to files (.output, .once), scripts read from files (.read), and database
    files written in the case folder: the outcome records them byte for byte."""

    def case(p: tuple[str, str, tuple[str, ...], str]) -> Case:
        script, where, opts, database = p
        if where == "once":
            body = f".once out.txt\n{script}.print done\n"
        elif where == "output":
            body = f".output out.txt\n{script}.output stdout\nSELECT 'back';\n"
        elif where == "read":
            return Case(
                args=(*opts, database),
                stdin=b".read part.sql\nSELECT count(*) FROM sqlite_schema;\n",
                files={"part.sql": script.encode()},
            )
        else:
            body = script
        return Case(args=(*opts, database), stdin=body.encode())

    return st.tuples(
        table_scripts(),
        st.sampled_from(["once", "output", "read", "plain"]),
        st.sampled_from([(), ("-json",), ("-csv", "-header"), ("-box",)]),
        st.sampled_from(["test.db", "data.sqlite", ":memory:"]),
    ).map(case)


def database_bytes(statements: list[str]) -> bytes:
    """A database file holding what ``statements`` made (serialised from memory)."""
    connection = sqlite3.connect(":memory:")
    try:
        for statement in statements:
            try:
                connection.execute(statement)
            except sqlite3.Error:
                continue  # a constraint the generated rows broke: that row is left out
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


@generator("sqlite3", "databases")
def database_cases() -> st.SearchStrategy[Case]:
    """An existing database file given as input, queried, shown and changed by the shell."""

    def case(p: tuple[tuple[list[str], dict[str, tuple[str, ...]]], list[str], tuple[str, ...],
                      str]) -> Case:  # fmt: skip
        (statements, _), body, opts, how = p
        script = "".join(f"{line};\n" if not line.startswith(".") else f"{line}\n" for line in body)
        files = {"in.db": database_bytes(statements)}
        if how == "argument":
            return Case(args=(*opts, "in.db", *[line for line in body]), files=files)
        if how == "readonly":
            return Case(args=(*opts, "-readonly", "in.db"), stdin=script.encode(), files=files)
        if how == "open":
            return Case(args=opts, stdin=(".open in.db\n" + script).encode(), files=files)
        return Case(args=(*opts, "in.db"), stdin=script.encode(), files=files)

    def with_body(schema: tuple[list[str], dict[str, tuple[str, ...]]]) -> st.SearchStrategy:
        _, tables = schema
        dots = st.sampled_from([".tables", ".schema", ".dump", ".indexes", ".databases",
                                "PRAGMA table_info(t1)", "SELECT name, type FROM sqlite_schema",
                                "INSERT INTO t1 DEFAULT VALUES", "CREATE INDEX ix ON t1(a)",
                                "DROP TABLE t1", "ALTER TABLE t1 ADD COLUMN z DEFAULT 'zz'",
                                "ALTER TABLE t1 RENAME TO renamed", "VACUUM",
                                "PRAGMA integrity_check", "PRAGMA page_count",
                                "PRAGMA user_version = 7", "DELETE FROM t1"])  # fmt: skip
        body = st.lists(st.one_of(dots, queries(tables)), min_size=1, max_size=4)
        return st.tuples(
            st.just(schema),
            body,
            st.sampled_from([(), ("-header",), ("-line",), ("-markdown",)]),
            st.sampled_from(["stdin", "stdin", "argument", "readonly", "open"]),
        )

    return schemas().flatmap(with_body).map(case)


# Schema objects and what keeps tables consistent: foreign keys and their actions, triggers,
# views, indexes (partial, on expressions), generated columns, ALTER TABLE, transactions and
# savepoints, conflict clauses, and tables large enough to split B-tree pages.

PARENT = "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INT DEFAULT 0)"
CHILD = (
    "CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id) "
    "ON DELETE {delete} ON UPDATE CASCADE, v TEXT)"
)
FK_ACTIONS = ["CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT"]
DDL_STATEMENTS = [
    "CREATE INDEX parent_n ON parent(n)",
    "CREATE UNIQUE INDEX child_v ON child(v)",
    "CREATE INDEX child_odd ON child(pid) WHERE pid % 2 = 1",
    "CREATE INDEX parent_len ON parent(length(name), n DESC)",
    "CREATE VIEW totals AS SELECT pid, count(*) AS kids FROM child GROUP BY pid; "
    "SELECT * FROM totals ORDER BY kids DESC, pid LIMIT 4",
    "CREATE TRIGGER parent_gone AFTER DELETE ON parent BEGIN INSERT INTO log "
    "VALUES('deleted ' || old.name); END",
    "CREATE TRIGGER parent_changed AFTER UPDATE OF n ON parent WHEN new.n > old.n BEGIN "
    "INSERT INTO log VALUES(old.name || ': ' || old.n || ' -> ' || new.n); END",
    "CREATE TRIGGER child_check BEFORE INSERT ON child WHEN new.v = 'bad' BEGIN "
    "SELECT RAISE(ABORT, 'no bad children'); END",
    "SELECT * FROM log ORDER BY rowid",
    "DELETE FROM parent WHERE id % 3 = 0",
    "DELETE FROM parent WHERE id = 2",
    "UPDATE parent SET id = id + 1000 WHERE id = 1",
    "UPDATE parent SET n = n + 5 WHERE id <= 3",
    "INSERT INTO child(pid, v) VALUES(99999, 'orphan')",
    "INSERT INTO child(pid, v) VALUES(1, 'bad')",
    "INSERT INTO parent(name) VALUES('p1') ON CONFLICT(name) DO UPDATE SET n = n + 1 "
    "RETURNING id, name, n",
    "INSERT OR REPLACE INTO parent(id, name) VALUES(2, 'replaced')",
    "INSERT OR IGNORE INTO parent(name) VALUES('p2')",
    "INSERT OR FAIL INTO parent(name) VALUES('p3')",
    "INSERT INTO parent(name) VALUES('p4')",
    "ALTER TABLE parent RENAME COLUMN name TO title",
    "ALTER TABLE child DROP COLUMN v",
    "ALTER TABLE parent ADD COLUMN note TEXT DEFAULT 'none'",
    "ALTER TABLE child RENAME TO kids",
    "BEGIN; UPDATE parent SET n = 0; ROLLBACK; SELECT sum(n) FROM parent",
    "BEGIN; DELETE FROM parent WHERE id > 2; COMMIT",
    "SAVEPOINT sp; DELETE FROM child; ROLLBACK TO sp; RELEASE sp; SELECT count(*) FROM child",
    "BEGIN IMMEDIATE; INSERT INTO parent(name) VALUES('tx'); COMMIT",
    "ANALYZE; SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY 1, 2",
    "PRAGMA integrity_check",
    "PRAGMA foreign_key_check",
    "PRAGMA index_list(parent)",
    "PRAGMA table_info(child)",
    "EXPLAIN QUERY PLAN SELECT * FROM parent WHERE name = 'p3'",
    "EXPLAIN QUERY PLAN SELECT pid, count(*) FROM child JOIN parent ON parent.id = child.pid "
    "GROUP BY pid",
    "CREATE TABLE gen(a INTEGER, b AS (a * 2) STORED, c AS (a || 'x')); INSERT INTO gen(a) "
    "SELECT n FROM parent WHERE id <= 4; SELECT * FROM gen ORDER BY a; PRAGMA table_xinfo(gen)",
    "CREATE TABLE copy AS SELECT id, upper(name) AS up FROM parent WHERE id % 2 = 0; "
    "SELECT count(*), min(up), max(up) FROM copy",
    "VACUUM",
    "DROP INDEX parent_n",
    "DROP TABLE child",
    "DROP TRIGGER IF EXISTS parent_gone",
    "SELECT count(*), sum(n), min(name), max(name) FROM parent",
    "SELECT pid, count(*) FROM child GROUP BY pid ORDER BY 2 DESC, 1 LIMIT 3",
    "SELECT count(*) FROM child WHERE pid IS NULL",
    "SELECT name FROM parent ORDER BY n DESC, id LIMIT 3 OFFSET 2",
    "DELETE FROM child WHERE id IN (SELECT id FROM child ORDER BY id DESC LIMIT 2)",
    ".schema",
    ".indexes",
    ".tables",
]  # fmt: skip


@st.composite
def ddl_scripts(draw: st.DrawFn) -> tuple[str, int]:
    """A parent/child schema, filled with ``rows`` rows each, then schema changes and checks."""
    rows = draw(st.sampled_from([3, 8, 40, 300, 1500]))
    statements = [
        f"PRAGMA foreign_keys = {draw(st.sampled_from(['ON', 'ON', 'OFF']))}",
        PARENT,
        "CREATE TABLE log(msg TEXT)",
        CHILD.format(delete=draw(st.sampled_from(FK_ACTIONS))),
        "INSERT INTO parent(name, n) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
        f"FROM c WHERE i < {rows}) SELECT 'p' || i, i * {draw(st.integers(1, 9))} % "
        f"{draw(st.integers(2, 11))} FROM c",
        "INSERT INTO child(pid, v) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
        f"FROM c WHERE i < {rows}) SELECT i % {draw(st.integers(1, 3))} + 1, 'v' || i FROM c",
        *draw(st.lists(st.sampled_from(DDL_STATEMENTS), min_size=2, max_size=7, unique=True)),
        "SELECT (SELECT count(*) FROM parent), (SELECT count(*) FROM sqlite_schema)",
    ]
    if rows <= 8 and draw(st.booleans()):
        statements.append(".dump")
    lines = [part for statement in statements for part in statement.split("; ")]
    return "".join(s + ("\n" if s.startswith(".") else ";\n") for s in lines), rows


@generator("sqlite3", "ddl")
def ddl_cases() -> st.SearchStrategy[Case]:
    """Foreign keys, triggers, views, indexes, ALTER TABLE, transactions, bulk rows."""

    def case(p: tuple[tuple[str, int], tuple[str, ...], str]) -> Case:
        (script, rows), opts, database = p
        # A large database file would pass the suite's size cap: only small ones are written.
        return shell_case(script, opts, "stdin", database if rows <= 40 else ":memory:")

    return st.tuples(
        ddl_scripts(),
        st.sampled_from([(), (), ("-header",), ("-box",), ("-bail",), ("-echo",), ("-json",)]),
        st.sampled_from([":memory:", ":memory:", "shop.db"]),
    ).map(case)


@generator("sqlite3", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """The shell's options and arguments: SQL and dot-commands as arguments, -cmd, -init,
    -deserialize, -readonly, -safe, double-dash spellings, and options missing their value."""
    statement = st.one_of(
        st.lists(expressions(1), min_size=1, max_size=2).map(lambda e: f"SELECT {', '.join(e)}"),
        st.sampled_from([".show", ".mode", ".headers on", ".print hi", ".tables", ".schema",
                         "SELECT * FROM t ORDER BY 1", "INSERT INTO t VALUES(3, 'c')",
                         "SELECT count(*) FROM t", ".shell echo sh", ".nullvalue N",
                         "SELECT NULL, 'x'", ".mode csv", "SELECT 1; SELECT 2"]),
    )  # fmt: skip
    option = st.one_of(
        st.sampled_from(MODE_OPTIONS).map(lambda mode: (f"-{mode}",)),
        st.sampled_from(MODE_OPTIONS).map(lambda mode: (f"--{mode}",)),
        st.sampled_from([("-header",), ("--noheader",), ("-bail",), ("-echo",), ("-batch",),
                         ("-safe",), ("-nofollow",), ("-init", "init.sql"), ("-readonly",),
                         ("-deserialize",), ("-nosuch",), ("-A",), ("-version",)]),
        statement.map(lambda s: ("-cmd", s)),
        st.sampled_from([("-separator", ","), ("-nullvalue", "NULL"), ("-newline", "|")]),
    )  # fmt: skip
    trailing = st.sampled_from([(), (), (), (), (), ("-separator",), ("-cmd",), ("-nullvalue",)])
    init = b"CREATE TABLE IF NOT EXISTS t(a, b);\n.print from init\n"

    def case(p: tuple[list[tuple[str, ...]], str, list[str], tuple[str, ...]]) -> Case:
        groups, database, statements, end = p
        opts = tuple(word for group in groups for word in group)
        files = {"init.sql": init} if "init.sql" in opts else {}
        if database == "in.db":
            files["in.db"] = database_bytes(
                ["CREATE TABLE t(a INTEGER, b TEXT)", "INSERT INTO t VALUES(1, 'a'), (2, 'b')"]
            )
        args = (*opts, database, *statements, *end) if database else (*opts, *end)
        stdin = b"" if statements or not database else b"SELECT 'stdin';\n"
        return Case(args=args, files=files, stdin=stdin)

    return st.tuples(
        st.lists(option, max_size=4),
        st.sampled_from(["in.db", "in.db", ":memory:", "", "new.db"]),
        st.lists(statement, max_size=3),
        trailing,
    ).map(case)
