"""Summarise gcov's counts of an instrumented build tree as one JSON object (run in a box).

Standard library only: it runs with the coverage image's own ``python3``.

    python3 gcov_summary.py ROOT DATA INCLUDE EXCLUDE

ROOT is the build tree (its ``.gcno`` files, written by the compiler), DATA a folder laid out
like ROOT holding the ``.gcda`` files a run wrote (or "-": no run, every count zero), INCLUDE
and EXCLUDE JSON lists of shell patterns naming the program's own source files, relative to
ROOT. Prints ``{file: {"lines": {line: count}, "branches": {line: [count, ...]},
"functions": {name: [start, end, count]}}}`` for the own files only.
"""

import fnmatch
import json
import os
import shutil
import subprocess
import sys


def _place(root, data):
    """Put DATA's .gcda files beside ROOT's .gcno files, after removing earlier ones."""
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".gcda"):
                os.unlink(os.path.join(folder, name))
    if data == "-":
        return
    for folder, _, names in os.walk(data):
        for name in names:
            if name.endswith(".gcda"):
                source = os.path.join(folder, name)
                destination = os.path.join(root, os.path.relpath(source, data))
                if os.path.isdir(os.path.dirname(destination)):
                    shutil.copyfile(source, destination)


def _own(path, include, exclude):
    return any(fnmatch.fnmatchcase(path, p) for p in include) and not any(
        fnmatch.fnmatchcase(path, p) for p in exclude
    )


def _merge(into, record):
    lines, branches, functions = into["lines"], into["branches"], into["functions"]
    for line in record["lines"]:
        number = str(line["line_number"])
        lines[number] = lines.get(number, 0) + line["count"]
        counts = [branch["count"] for branch in line.get("branches", [])]
        if counts:
            old = branches.get(number, [])
            if len(old) == len(counts):
                counts = [a + b for a, b in zip(old, counts, strict=True)]
            elif len(old) > len(counts):
                counts = old
            branches[number] = counts
    for function in record["functions"]:
        name = function["name"]
        start, end = function["start_line"], function["end_line"]
        old = functions.get(name, [start, end, 0])
        functions[name] = [start, end, old[2] + function["execution_count"]]


def main(argv):
    root, data = argv[1], argv[2]
    include, exclude = json.loads(argv[3]), json.loads(argv[4])
    _place(root, data)
    by_folder: dict[str, list[str]] = {}
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(".gcno"):
                by_folder.setdefault(folder, []).append(os.path.join(folder, name))
    result: dict[str, dict] = {}
    for folder, gcnos in sorted(by_folder.items()):
        done = subprocess.run(
            ["gcov", "--json-format", "--stdout", "-b", *gcnos],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        for text in done.stdout.splitlines():
            if not text.startswith("{"):
                continue
            document = json.loads(text)
            base = document.get("current_working_directory", folder)
            for record in document["files"]:
                path = os.path.normpath(os.path.join(base, record["file"]))
                relative = os.path.relpath(path, root)
                if relative.startswith("..") or not _own(relative, include, exclude):
                    continue
                into = result.setdefault(relative, {"lines": {}, "branches": {}, "functions": {}})
                _merge(into, record)
    json.dump(result, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
