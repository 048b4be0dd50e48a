"""The ``oracle`` command. Hand-parsed: inside a box it must start in milliseconds.

oracle run [--json] [--stdin FILE|-] [--file NAME=PATH]... [--env NAME=VALUE]...
           [--timeout SECONDS] -- ARGS...
             --json shows the files the run created or changed too
oracle batch [--jobs N]
             cases as JSON Lines on stdin, outcomes as JSON Lines on stdout in input
             order; N cases at a time (default: the cores), each as if run alone
oracle test [--suite FILE] [--program PATH] [--family NAME] [--show N]
             run the visible suite against your build and show the differences
oracle exec --program PATH [--argv0 NAME] [--uid UID] [--case-dir DIR]
             like batch, but runs PATH here with the same runner the reference uses
oracle serve --socket PATH --program PATH [--argv0 NAME] [--uid UID]
             [--case-dir DIR] [--log FILE] [--jobs N]
             [--sandbox RULES [--sandbox-preload LIB] [--sandbox-launcher EXE]]
"""

import sys

from oracle.errors import CaseError, OracleError, UsageError

# Neither typing nor __future__: their imports cost start-up time (see oracle/wire.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator
    from concurrent.futures import Future
    from typing import Any

    from oracle.case import Case, Outcome
    from oracle.client import OracleClient
    from oracle.runner import Runner

USAGE = __doc__.split("\n\n", 1)[1]
AHEAD = 16  # requests `oracle batch` with one job sends ahead of the outcome it waits for


def _number(options: dict, name: str, kind: type, default: float | None = None) -> "Any":
    """The last value of option ``name`` as a ``kind`` (int or float); UsageError if it is not."""
    if name not in options:
        return default
    value = options[name][-1]
    try:
        number = kind(value) if kind is int or _is_decimal(value) else None
    except ValueError:
        number = None
    # A float must be finite: a request carries it as a JSON number.
    if number is None or number != number or number in (float("inf"), float("-inf")):
        noun = "a whole number" if kind is int else "a number"
        raise UsageError(f"{name} expects {noun}, got {value!a}")
    return number


def _is_decimal(text: str) -> bool:
    """Whether ``text`` is a plain ASCII decimal, ``[+-]DIGITS[.DIGITS][e[+-]DIGITS]``: what
    the C client (oracle/client.c) accepts too, unlike ``float()``'s "1_0" or "inf"."""
    digits = "0123456789"
    mantissa, e, exponent = text.replace("E", "e").partition("e")
    whole, _, fraction = (mantissa[1:] if mantissa[:1] in ("+", "-") else mantissa).partition(".")
    power = exponent[1:] if exponent[:1] in ("+", "-") else exponent
    return (
        bool(whole or fraction)
        and all(c in digits for c in whole + fraction)
        and (not e or (power != "" and all(c in digits for c in power)))
    )


def _options(argv: list[str], flags: set[str], valued: set[str]) -> tuple[dict, list[str]]:
    """Split ``argv`` into options (repeatable ones as lists) and the arguments after ``--``."""
    options: dict[str, list[str] | bool] = {}
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            return options, argv[index + 1 :]
        name, _, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in flags and not inline:
            options[name] = True
        elif name in valued:
            if not inline:
                index += 1
                if index >= len(argv):
                    raise UsageError(f"{name} needs a value")
                inline = argv[index]
            options.setdefault(name, []).append(inline)  # type: ignore[union-attr]
        elif word.startswith("-"):
            raise UsageError(f"unknown option {word}")
        else:
            return options, argv[index:]
        index += 1
    return options, []


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} expects NAME=VALUE, got {value!a}")
        pairs[key] = rest
    return pairs


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as file:
        return file.read()


def cmd_run(argv: list[str]) -> int:
    import os

    from oracle.wire import raw_request, run_raw

    options, args = _options(argv, {"--json"}, {"--stdin", "--file", "--env", "--timeout"})
    files = _pairs(options.get("--file", []), "--file")
    stdin = _read(options["--stdin"][-1]) if "--stdin" in options else b""
    inputs = {name: _read(path) for name, path in files.items()}
    env = _pairs(options.get("--env", []), "--env")
    timeout = _number(options, "--timeout", float, 10.0)
    request = raw_request(args, stdin, inputs, env, timeout)
    socket_path = os.environ.get("MIRROR_ORACLE_SOCKET", "/oracle/oracle.sock")
    fields, stdout, stderr, written = run_raw(socket_path, request)
    exit_code, signal, timed_out = fields[0], fields[1], fields[2] == "1"
    if options.get("--json"):
        import json

        from oracle.case import Outcome
        from oracle.wire import parse_files

        flags = {"timed_out": timed_out, "stdout_truncated": fields[3] == "1"}
        flags["stderr_truncated"] = fields[4] == "1"
        flags["files_truncated"] = fields[7] == "1"
        code = None if exit_code == "-" else int(exit_code)
        sig = None if signal == "-" else int(signal)
        outcome = Outcome(stdout, stderr, code, sig, files=parse_files(written), **flags)
        print(json.dumps(outcome.to_json()))
        return 0
    sys.stdout.buffer.write(stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(stderr)
    sys.stderr.flush()
    if written:
        sys.stderr.write("oracle: the reference also wrote files; `oracle run --json` shows them\n")
    if timed_out:
        sys.stderr.write(f"oracle: the reference timed out after {timeout:g}s\n")
        return 124
    if signal != "-":
        return 128 + int(signal)
    return int(exit_code)


def _stream(run: "Callable[[Case, int | None], Outcome]", jobs: int = 1) -> int:
    """Read cases as JSON Lines on stdin; write each outcome as a JSON line, ids kept, in the
    order of the input however many ``jobs`` run them at once.

    A line is a case, or ``{"id": ..., "case": {...}, "max_output": N}``.
    """
    from collections import deque

    if jobs == 1:
        for record, case, max_output in _cases():
            _emit(record, None if case is None else run(case, max_output))
        return 0
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(jobs) as pool:
        pending: deque = deque()
        for record, case, max_output in _cases():
            pending.append((record, case and pool.submit(run, case, max_output)))
            while pending and (len(pending) > 2 * jobs or _ready(pending[0][1])):
                _emit(*pending.popleft())
        while pending:
            _emit(*pending.popleft())
    return 0


def _stream_ahead(client: "OracleClient") -> int:
    """:func:`_stream` with one job, over one connection: a thread sends the next requests
    while the oracle runs a case, so that between cases it never waits for this process."""
    import queue
    import threading

    sent: queue.Queue[tuple[dict, bool] | None] = queue.Queue(AHEAD)
    failed: list[BaseException] = []

    def send() -> None:
        try:
            for record, case, _ in _cases():
                if case is not None:
                    client.send_run(case)
                sent.put((record, case is not None))
        except BaseException as error:  # raised again by the thread that writes outcomes
            failed.append(error)
        finally:
            sent.put(None)

    threading.Thread(target=send, daemon=True).start()
    while (item := sent.get()) is not None:
        record, ran = item
        _emit(record, client.outcome() if ran else None)
    if failed:
        raise failed[0]
    return 0


def _emit(record: dict, outcome: "Outcome | Future[Outcome] | None") -> None:
    """Write one JSON line: the outcome (``record``'s id kept), or ``record`` if none."""
    import json

    from oracle.case import Outcome

    if outcome is not None:
        if not isinstance(outcome, Outcome):
            outcome = outcome.result()
        result = outcome.to_json()
        record = {"id": record["id"], **result} if "id" in record else result
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _ready(future: "Future[Outcome] | None") -> bool:
    return future is None or future.done()


def _cases() -> "Iterator[tuple[dict, Case | None, int | None]]":
    """(record, case, max_output) of each line of stdin; a bad line is an error record."""
    import json

    from oracle.case import Case

    for number, line in enumerate(sys.stdin.buffer, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            body = record.get("case", record) if isinstance(record, dict) else record
            case = Case.from_json(body)
        except (ValueError, CaseError) as error:
            yield {"line": number, "error": str(error)}, None, None
            continue
        record = record if isinstance(record, dict) else {}
        yield record, case, record.get("max_output")


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _jobs(options: dict) -> int:
    jobs = _number(options, "--jobs", int, _cores())
    if jobs < 1:
        raise UsageError(f"--jobs expects a whole number of at least 1, got {jobs}")
    return jobs


def cmd_batch(argv: list[str]) -> int:
    import threading

    from oracle.client import OracleClient

    options, rest = _options(argv, set(), {"--jobs"})
    if rest:
        raise UsageError("batch takes no arguments")
    jobs = _jobs(options)
    if jobs == 1:
        with OracleClient() as client:
            return _stream_ahead(client)
    local, clients = threading.local(), []

    def run(case: "Case", _max_output: int | None) -> "Outcome":
        """Each thread runs its cases over its own connection: one job of the server each."""
        if not hasattr(local, "client"):
            local.client = OracleClient()
            clients.append(local.client)
        return local.client.run(case)

    try:
        return _stream(run, jobs)
    finally:
        for client in clients:
            client.close()


def _runner(argv: list[str], extra: "Collection[str]" = ()) -> "tuple[Runner, dict]":
    from pathlib import Path

    from oracle.runner import CASE_DIR, Runner, Sandbox

    valued = {"--program", "--argv0", "--uid", "--case-dir", *extra}
    options, rest = _options(argv, set(), valued)
    if rest or "--program" not in options:
        raise UsageError("--program PATH is required")
    runner = Runner(
        program=options["--program"][-1],
        argv0=options["--argv0"][-1] if "--argv0" in options else None,
        case_dir=Path(options["--case-dir"][-1]) if "--case-dir" in options else CASE_DIR,
        uid=_number(options, "--uid", int),
        sandbox=Sandbox.limits_only(),  # `serve --sandbox` replaces it for a reference
    )
    return runner, options


def cmd_exec(argv: list[str]) -> int:
    runner, _ = _runner(argv)
    return _stream(runner.run)


def cmd_test(argv: list[str]) -> int:
    from oracle.testing import run_visible_suite

    options, rest = _options(argv, set(), {"--suite", "--program", "--family", "--show"})
    if rest:
        raise UsageError(f"test takes no arguments, got {rest[0]!r}")
    return run_visible_suite(
        suite=options.get("--suite", [None])[-1],
        program=options.get("--program", [None])[-1],
        family=options.get("--family", [None])[-1],
        show=_number(options, "--show", int, 5),
    )


def cmd_serve(argv: list[str]) -> int:
    from pathlib import Path

    from oracle.runner import Sandbox
    from oracle.server import serve

    sandbox_options = {"--sandbox", "--sandbox-preload", "--sandbox-launcher"}
    runner, options = _runner(argv, {"--socket", "--log", "--jobs", *sandbox_options})
    if "--socket" not in options:
        raise UsageError("serve needs --socket PATH")
    if "--sandbox" in options:
        preload, launcher = options.get("--sandbox-preload"), options.get("--sandbox-launcher")
        if not (preload or launcher):
            raise UsageError("--sandbox needs --sandbox-preload or --sandbox-launcher (or both)")
        runner.sandbox = Sandbox(
            options["--sandbox"][-1], (preload or [None])[-1], (launcher or [None])[-1]
        )
    log = Path(options["--log"][-1]) if "--log" in options else None
    serve(Path(options["--socket"][-1]), runner, log, _jobs(options))
    return 0


COMMANDS = {
    "run": cmd_run,
    "batch": cmd_batch,
    "test": cmd_test,
    "exec": cmd_exec,
    "serve": cmd_serve,
}


def _message(error: Exception) -> str:
    """One line saying what went wrong (an OSError names its file first, as shells do)."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    return str(error).replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    """Run one ``oracle`` command: the one place its errors become a line on stderr and a status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write(f"usage:\n{USAGE}")
        return 2
    if argv[0] in ("-h", "--help", "help") or argv[1:2] in (["-h"], ["--help"]):
        sys.stdout.write(f"usage:\n{USAGE}")
        return 0
    try:
        if argv[0] not in COMMANDS:
            raise UsageError(f"unknown command {argv[0]!r} (commands: {', '.join(COMMANDS)})")
        return COMMANDS[argv[0]](argv[1:])
    except UsageError as error:
        sys.stderr.write(f"oracle: {error}; `oracle --help` shows the usage\n")
        return 2
    except (OracleError, CaseError, OSError) as error:
        sys.stderr.write(f"oracle: {_message(error)}\n")
        return 125


if __name__ == "__main__":
    sys.exit(main())
