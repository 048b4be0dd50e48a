"""Inputs for ``ruff check``: Python modules from a small grammar of statements chosen to
trigger many rules (unused imports and variables, comparisons to None/True, f-strings without
placeholders, bare except, long lines, unsorted imports, pyflakes F, pycodestyle E/W, some
pyupgrade UP and bugbear B), broken modules (syntax errors), and the command line around them:
rule selections, output formats, fixes written to files or shown as diffs, config files
(pyproject.toml, ruff.toml) and stdin.

Every case passes ``--no-cache`` (or sets ``RUFF_NO_CACHE``): otherwise ruff writes a
``.ruff_cache`` folder of binary, timestamped entries into the case folder. Paths in outputs
are the case folder's (``/case/...``), the same in every box.
"""

from __future__ import annotations

from hypothesis import strategies as st

from mirror.specs.generators import generator
from oracle.case import Case

IMPORTS = [
    "import os", "import sys", "import re", "import json", "import os.path",
    "import collections", "from typing import List, Optional", "from typing import Dict",
    "from os import path as p", "import json, re", "from collections import OrderedDict",
    "from . import sibling", "from __future__ import annotations", "import typing as t",
    "from math import *", "import subprocess", "from itertools import chain, islice",
]  # fmt: skip
NAMES = ["a", "b", "x", "y", "value", "items", "l", "O", "data"]
# One statement each (or a few lines), indented by the function that holds them.
STATEMENTS = [
    "{v} = 1", "{v} = {w}", "if {v} == None:\n    pass", "if {v} != None:\n    return {v}",
    "if {v} == True:\n    print({v})", "if not {v} in {w}:\n    pass",
    "if not {v} is {w}:\n    pass", "if type({v}) == type({w}):\n    pass",
    "try:\n    {v} = int({w})\nexcept:\n    pass",
    "try:\n    pass\nexcept Exception as e:\n    pass",
    "{v} = lambda: 0", "print(f\"hello\")", "print(f\"{{{v}}}\")", "print(\"%s\" % {v})",
    "print(\"{{}}\".format({v}))", "print('%s %s' % ({v},))", "assert ({v}, \"message\")",
    "if {v} is \"text\":\n    pass", "raise NotImplemented", "{v} = {{\"k\": 1, \"k\": 2}}",
    "for i in range(3):\n    pass", "for i in {v}:\n    print({w})",
    "assert False", "{v}", "{v} == 1", "print(undefined_name)", "del {v}",
    "{v} = str(\"x\")", "{v} = open(\"f.txt\", \"r\")", "{v} = u\"text\"",
    "{v} = dict([(1, 2)])", "{v} = list(x for x in {w})", "{v} = set([1, 2])",
    "if ({v}):\n    pass", "{v} = 1; {w} = 2", "{v} = 1;", "if {v}: {w} = 0",
    "{v} = \"\\d\"", "{v} = {w}  # noqa: F821", "{v} = undefined  # noqa",
    "global {v}", "{v} = [i for i in range(3)]  ", "x=1", "{v} = ( 1 )",
    "{v} = {w} +1", "{v}  = 2", "print ({v})", "{v} = isinstance({w}, int) or isinstance({w}, str)",
    "{v} = \"a very long string that makes this line much longer than the default limit of 88\"",
    "with open(\"a\") as f:\n    with open(\"b\") as g:\n        pass", "return {v}", "yield {v}",
    "{v} = getattr({w}, \"attr\")", "{v} = sorted({w})[0]", "{v}: List[int] = []",
    "if {v}:\n    return True\nelse:\n    return False", "{v} = [] if {w} else []",
    "{v} = {w} if {w} else None", "import os", "{v} = os.path.join(\"a\", \"b\")",
    "{v} = super(C, self).method()", "{v}.append(1); {v}.append(2)",
]  # fmt: skip
DEFAULTS = ["", "arg", "arg=[]", "arg={}", "arg=None", "arg=list()", "*args, **kwargs", "self"]
HEADERS = ["", "# -*- coding: utf-8 -*-\n", '"""Module docstring."""\n', "#!/usr/bin/env python\n"]
RULES = [
    "E", "W", "F", "I", "UP", "B", "E4", "E7", "E9", "E501", "E711", "E712", "E713", "E714",
    "E721", "E722", "E731", "E741", "E401", "E402", "E701", "E702", "E703", "W291", "W292",
    "W293", "W605", "F401", "F403", "F405", "F541", "F632", "F811", "F821", "F841", "F601",
    "F631", "F901", "I001", "UP004", "UP008", "UP009", "UP015", "UP018", "UP025", "UP031",
    "UP032", "UP034", "UP035", "UP006", "B006", "B007", "B008", "B011", "B018", "SIM", "C4",
    "RET", "PLR1711", "S110", "ALL", "D", "N", "ARG",
]  # fmt: skip
FORMATS = ["full", "concise", "json", "json-lines", "grouped", "pylint", "github", "azure",
           "junit", "rdjson"]  # fmt: skip
FLAGS = [
    ("--statistics",), ("--show-fixes",), ("--exit-zero",), ("-q",), ("--quiet",), ("-s",),
    ("--exit-non-zero-on-fix",), ("--no-show-fixes",), ("-e",), ("--unsafe-fixes",),
    ("--no-unsafe-fixes",),
]  # fmt: skip
VERSIONS = ["py37", "py38", "py39", "py310", "py311", "py312", "py313", "py314"]

names = st.sampled_from(NAMES)


def statement() -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(STATEMENTS), names, names).map(
        lambda p: p[0].format(v=p[1], w=p[2])
    )


def indent(text: str, by: str) -> str:
    return "\n".join(by + line if line else line for line in text.split("\n"))


def function() -> st.SearchStrategy[str]:
    """A function (sometimes a method of a class) whose body is a few statements."""
    return st.tuples(
        st.sampled_from(["f", "g", "helper", "Compute", "f"]),
        st.sampled_from(DEFAULTS),
        st.lists(statement(), min_size=1, max_size=5),
        st.sampled_from(["def", "def", "class", "async"]),
        st.sampled_from(["    ", "    ", "  ", "\t"]),
    ).map(
        lambda p: (
            f"class C:\n    def {p[0]}(self, {p[1]}):\n" + indent("\n".join(p[2]), "        ")
            if p[3] == "class"
            else f"{'async def' if p[3] == 'async' else 'def'} {p[0]}({p[1]}):\n"
            + indent("\n".join(p[2]), p[4])
        )
    )


def module() -> st.SearchStrategy[str]:
    """A module: a header, an import block, functions and top-level statements."""
    return st.tuples(
        st.sampled_from(HEADERS),
        st.lists(st.sampled_from(IMPORTS), max_size=5),
        st.lists(st.one_of(function(), statement()), min_size=1, max_size=4),
        st.sampled_from(["\n\n\n", "\n\n", "\n", "\n\n\n\n"]),
        st.sampled_from(["\n", "\n", "", "\n\n", "  \n"]),
    ).map(lambda p: p[0] + "".join(i + "\n" for i in p[1]) + p[3] + p[3].join(p[2]) + p[4])


def broken_module() -> st.SearchStrategy[str]:
    """A module with one character cut or one token added: mostly a syntax error."""
    damage = st.sampled_from(["cut", "colon", "paren", "indent", "keyword"])
    return st.tuples(module(), damage, st.integers(0, 10_000)).map(lambda p: _break(*p))


def _break(text: str, how: str, at: int) -> str:
    at %= max(1, len(text))
    if how == "cut":
        return text[:at] + text[at + 1 :]
    insert = {"colon": ":", "paren": "(", "indent": "\n    x = 1\n", "keyword": " lambda "}[how]
    return text[:at] + insert + text[at:]


def rule_list() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(RULES), min_size=1, max_size=3, unique=True).map(",".join)


def selection() -> st.SearchStrategy[tuple[str, ...]]:
    """Rule selection options: --select, --ignore, --extend-select, --per-file-ignores."""
    option = st.one_of(
        rule_list().map(lambda r: ("--select", r)),
        rule_list().map(lambda r: (f"--select={r}",)),
        rule_list().map(lambda r: ("--ignore", r)),
        rule_list().map(lambda r: ("--extend-select", r)),
        rule_list().map(lambda r: ("--extend-ignore", r)),
        rule_list().map(lambda r: ("--fixable", r)),
        rule_list().map(lambda r: ("--unfixable", r)),
        rule_list().map(lambda r: ("--per-file-ignores", f"a.py:{r}")),
    )
    return st.lists(option, max_size=3).map(lambda groups: tuple(w for g in groups for w in g))


def output_options() -> st.SearchStrategy[tuple[str, ...]]:
    option = st.one_of(
        st.sampled_from(FORMATS).map(lambda f: ("--output-format", f)),
        st.sampled_from(FORMATS).map(lambda f: (f"--output-format={f}",)),
        st.sampled_from(FLAGS),
        st.integers(1, 120).map(lambda n: ("--line-length", str(n))),
        st.sampled_from(VERSIONS).map(lambda v: ("--target-version", v)),
    )
    return st.lists(option, max_size=3).map(lambda groups: tuple(w for g in groups for w in g))


def check(args: tuple[str, ...], files: dict[str, str], stdin: str = "") -> Case:
    """``ruff check --no-cache ARGS`` over ``files`` (or stdin) in the case folder."""
    return Case(
        args=("check", "--no-cache", *args),
        files={name: text.encode() for name, text in files.items()},
        stdin=stdin.encode(),
    )


@generator("ruff", "lint")
def lint_cases() -> st.SearchStrategy[Case]:
    """The default rules over one or two modules, in every output format."""
    return st.tuples(module(), st.one_of(st.none(), module()), output_options()).map(
        lambda p: check(
            (*p[2], "a.py") if p[1] is None else (*p[2], "a.py", "pkg/b.py"),
            {"a.py": p[0]} | ({} if p[1] is None else {"pkg/b.py": p[1]}),
        )
    )


@generator("ruff", "select")
def select_cases() -> st.SearchStrategy[Case]:
    """Rule selections from a fixed set of codes, prefixes and linters."""
    formats = st.sampled_from([(), (), ("--output-format", "concise"), ("--output-format", "json")])
    return st.tuples(module(), selection(), formats, st.booleans()).map(
        lambda p: check((*p[1], *p[2], "." if p[3] else "a.py"), {"a.py": p[0]})
    )


@generator("ruff", "fix")
def fix_cases() -> st.SearchStrategy[Case]:
    """--fix (the fixed file is part of the outcome), --diff, unsafe fixes."""
    modes = st.sampled_from([
        ("--fix",), ("--fix", "--unsafe-fixes"), ("--diff",), ("--diff", "--unsafe-fixes"),
        ("--fix", "--show-fixes"), ("--fix-only",), ("--fix-only", "--diff"),
        ("--fix", "--exit-non-zero-on-fix"), ("--fix", "--unfixable", "F401"),
        ("--fix", "--select", "I"), ("--fix", "--select", "UP,F"),
        ("--fix", "--extend-select", "B,E501"),
        ("--fix-only", "--unsafe-fixes", "--select", "ALL"), ("--no-fix",),
    ])  # fmt: skip
    return st.tuples(module(), modes, st.sampled_from(["a.py", "."])).map(
        lambda p: check((*p[1], p[2]), {"a.py": p[0]})
    )


CONFIG_SETTINGS = [
    "line-length = {n}", "indent-width = 2", 'target-version = "{v}"', "preview = true",
    'exclude = ["pkg"]', 'extend-exclude = ["b.py"]', "fix = true", "unsafe-fixes = true",
    'output-format = "{f}"', 'src = ["pkg"]', 'include = ["*.py"]', "show-fixes = true",
]  # fmt: skip
LINT_SETTINGS = [
    'select = ["{r}"]', 'ignore = ["{r}"]', 'extend-select = ["{r}"]', 'fixable = ["{r}"]',
    'per-file-ignores = {{"a.py" = ["{r}"]}}', 'dummy-variable-rgx = "^x$"',
    'unfixable = ["{r}"]', "isort.force-single-line = true", "isort.lines-after-imports = 1",
    'isort.known-first-party = ["sibling"]', "pycodestyle.max-line-length = {n}",
    "flake8-bugbear.extend-immutable-calls = [\"list\"]", 'select = ["{r}", "{s}"]',
    "pyupgrade.keep-runtime-typing = true", "ignore-init-module-imports = true",
    'bogus-setting = 1', 'select = ["XYZ123"]',
]  # fmt: skip


def config() -> st.SearchStrategy[tuple[str, str]]:
    """A pyproject.toml ([tool.ruff], [tool.ruff.lint]) or ruff.toml (top level, [lint])."""
    fill = st.fixed_dictionaries(
        {
            "n": st.integers(20, 120).map(str),
            "v": st.sampled_from(VERSIONS),
            "f": st.sampled_from(FORMATS),
            "r": st.sampled_from(RULES),
            "s": st.sampled_from(RULES),
        }
    )
    top = st.lists(st.sampled_from(CONFIG_SETTINGS), max_size=3, unique=True)
    lint = st.lists(st.sampled_from(LINT_SETTINGS), max_size=3, unique=True)
    kind = st.sampled_from(["pyproject.toml", "ruff.toml", ".ruff.toml", "pyproject-no-ruff"])
    return st.tuples(kind, top, lint, fill).map(lambda p: _config_file(*p))


def _config_file(kind: str, top: list[str], lint: list[str], fill: dict[str, str]) -> tuple:
    top_text = "".join(line.format(**fill) + "\n" for line in top)
    lint_text = "".join(line.format(**fill) + "\n" for line in lint)
    if kind == "pyproject-no-ruff":
        return "pyproject.toml", '[project]\nname = "demo"\nrequires-python = ">=3.9"\n'
    if kind == "pyproject.toml":
        return kind, f"[tool.ruff]\n{top_text}\n[tool.ruff.lint]\n{lint_text}"
    return kind, f"{top_text}\n[lint]\n{lint_text}"


@generator("ruff", "config")
def config_cases() -> st.SearchStrategy[Case]:
    """Settings read from pyproject.toml / ruff.toml in the case folder, or named by
    --config (a file or a KEY=VALUE override)."""
    how = st.sampled_from(["found", "found", "--config file", "--config inline", "--isolated"])
    inline = st.sampled_from([
        "line-length = 40", 'lint.select = ["E", "F"]', 'lint.ignore = ["F401"]',
        'lint.extend-select = ["I"]', "lint.isort.force-single-line = true", "indent-width = 8",
        "line-length = 1000", 'lint.select = ["B", "UP"]', "lint.bad = 1", "line-length = oops",
    ])  # fmt: skip
    return st.tuples(module(), module(), config(), how, inline, st.booleans()).map(
        lambda p: _config_case(*p)
    )


def _config_case(a: str, b: str, cfg: tuple[str, str], how: str, inline: str, fix: bool) -> Case:
    name, text = cfg
    files = {"a.py": a, "pkg/b.py": b}
    args: tuple[str, ...] = ("--fix",) if fix else ()
    if how == "--config file":
        files[f"conf/{name}"] = text
        args += ("--config", f"conf/{name}")
    elif how == "--config inline":
        files[name] = text
        args += ("--config", inline)
    else:
        files[name] = text
        args += ("--isolated",) if how == "--isolated" else ()
    return check((*args, "."), files)


@generator("ruff", "syntax")
def syntax_cases() -> st.SearchStrategy[Case]:
    """Broken modules: syntax errors, alone or beside rule violations."""
    formats = st.sampled_from([
        (), ("--output-format", "concise"), ("--output-format", "json"), ("--statistics",),
        ("--fix",), ("--select", "E9,F"),
    ])  # fmt: skip
    return st.tuples(broken_module(), formats, st.sampled_from([*VERSIONS, ""])).map(
        lambda p: check(
            (*p[1], *(("--target-version", p[2]) if p[2] else ()), "a.py"), {"a.py": p[0]}
        )
    )


@generator("ruff", "command-line")
def command_line_cases() -> st.SearchStrategy[Case]:
    """Stdin with --stdin-filename, files and folders named or missing, bad options."""
    shapes = st.sampled_from([
        ("--stdin-filename", "a.py", "-"), ("--stdin-filename", "pkg/b.py"), ("-",),
        ("--stdin-filename", "a.py", "--fix", "-"), ("--stdin-filename", "a.py", "--diff"),
        ("missing.py",), ("a.py", "a.py"), ("pkg",), ("pkg/b.py", "a.py"), (),
        ("--select", "NOPE1", "a.py"), ("--output-format", "xml", "a.py"), ("--bogus", "a.py"),
        ("--line-length", "0", "a.py"), ("--target-version", "py2", "a.py"), ("notes.txt",),
        ("--extension", "txt:python", "notes.txt"), ("--exclude", "pkg", "."),
        ("--force-exclude", "--exclude", "a.py", "a.py"), ("--respect-gitignore", "."),
        ("--show-files", "."), ("--show-settings", "a.py"), ("-n", "a.py"),
        ("--add-noqa", "a.py"), ("--add-noqa=legacy", "."), ("--ignore-noqa", "a.py"),
        ("-o", "report.txt", "a.py"), ("--output-file", "out/r.json", "--output-format", "json"),
        ("@args.txt",), ("--color", "always", "a.py"), ("--color", "never", "pkg"),
        ("--preview", "a.py"), ("--extend-per-file-ignores", "pkg/*:F", "."),
        ("--extend-fixable", "E,B", "--fix", "a.py"), ("--add-ignore", "a.py"),
    ])  # fmt: skip
    return st.tuples(module(), module(), shapes, st.booleans()).map(
        lambda p: Case(
            args=("check", *p[2]) if p[3] else ("check", "--no-cache", *p[2]),
            files={
                "a.py": p[0].encode(),
                "pkg/b.py": p[1].encode(),
                "notes.txt": p[0].encode(),
                "args.txt": b"--select\nE,F\na.py\n",
            },
            stdin=p[0].encode(),
            env={"RUFF_NO_CACHE": "true"} if p[3] else {},
        )
    )
