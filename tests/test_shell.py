"""The human baseline: `mirror shell` in a real agent box, and the speed x accuracy figure."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from mirror.reports.report import write_report
from mirror.scoring.receipts import Receipt, read_receipt
from mirror.specs.targets import all_targets

MIRROR = Path(sys.executable).parent / "mirror"
ROWS, COLUMNS = 40, 132
SESSION_TIMEOUT = 600.0


def write_receipt(folder: Path, run_id: str, **fields: object) -> Path:
    """A receipt file through the Receipt model (format 1: no provenance, which the report
    does not read)."""
    passed, total = int(fields.pop("passed", 10)), int(fields.pop("total", 10))  # type: ignore[call-overload]
    receipt = Receipt(
        format=1,
        run_id=run_id,
        suite="sha256:0",
        passed=passed,
        total=total,
        pass_fraction=passed / total,
        solved_99=100 * passed >= 99 * total,
        solved_100=passed == total,
        build={"status": "ok", "log": "build.log"},
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
        **fields,  # type: ignore[arg-type]
    )
    path = folder / receipt.kind / receipt.target / f"{run_id}.receipt.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(receipt.model_dump_json(indent=1, exclude_none=True))
    return path


def test_report_draws_speed_accuracy_for_timed_runs(tmp_path: Path) -> None:
    results, out = tmp_path / "results", tmp_path / "report"
    timed = {
        "h1": dict(target="colt", candidate="ada", kind="human", wall_seconds=5400.0, passed=9),
        "h2": dict(target="colt", candidate="bob", kind="human", wall_seconds=2400.0, passed=10),
        "a1": dict(target="colt", candidate="m/x", kind="agent", wall_seconds=300.0, passed=7),
        "a2": dict(target="cal", candidate="m/x", kind="agent", wall_seconds=90.0, passed=10),
    }
    for run_id, fields in timed.items():
        write_receipt(results, run_id, **fields)
    # Not on the figure: a calibration run, and an agent run without a wall time.
    write_receipt(results, "c1", target="colt", candidate="gold", kind="calibration")
    write_receipt(results, "a3", target="cal", candidate="m/y", kind="agent")

    written = write_report(results, out, all_targets())

    figure = out / "speed_accuracy.png"
    assert figure in written
    with Image.open(figure) as image:
        assert image.format == "PNG"
        assert image.width > 600 and image.height > 300
    table = pd.read_csv(out / "results.csv").set_index("run_id")
    assert len(table) == 6
    for run_id, fields in timed.items():
        assert table.loc[run_id, "kind"] == fields["kind"]
        assert table.loc[run_id, "wall_seconds"] == fields["wall_seconds"]
    assert table.loc[["c1", "a3"], "wall_seconds"].isna().all()


def test_report_has_no_speed_figure_without_timed_runs(tmp_path: Path) -> None:
    results, out = tmp_path / "results", tmp_path / "report"
    write_receipt(results, "c1", target="colt", candidate="gold", kind="calibration")
    # A calibration run with a time is still not a human or agent run.
    write_receipt(results, "c2", target="colt", candidate="x", kind="calibration", wall_seconds=9)
    written = write_report(results, out, all_targets())
    assert not (out / "speed_accuracy.png").exists()
    assert out / "results.csv" in written


class Terminal:
    """A program on the far side of a pseudo-terminal: read what it shows, type into it."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.seen = b""

    def expect(self, pattern: str, timeout: float = 120.0) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while not (found := re.search(pattern.encode(), self.seen)):
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"no {pattern!r} on the terminal; it shows:\n{self.text}")
        return found

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")  # Enter, as a terminal in raw mode sends it

    def finish(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self._read(max(0.0, deadline - time.monotonic())):
            pass
        return self.process.wait(timeout=max(1.0, deadline - time.monotonic()))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the program closed the terminal
            return False
        self.seen += data
        return bool(data)

    @property
    def text(self) -> str:
        return self.seen.decode(errors="replace")[-4000:]

    def close(self) -> None:
        if self.process.poll() is None:  # SIGTERM unwinds the session and removes its boxes
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)
        os.close(self.master)


def mirror_boxes() -> set[str]:
    listing = subprocess.run(
        ["docker", "ps", "-a", "--filter", "label=mirror.box", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return set(listing.stdout.split())


@pytest.mark.docker
def test_shell_session_under_a_terminal_is_timed_scored_and_cleaned(
    tmp_path: Path, repo_root: Path
) -> None:
    """A person (scripted) probes the oracle, builds colt from its source, runs the visible
    tests and leaves: a human receipt with the shell's time, no box left behind."""
    workspace, results = tmp_path / "work", tmp_path / "results"
    workspace.mkdir()
    shutil.copy(repo_root / "targets" / "colt" / "colt.c", workspace / "colt.c")
    env = {**os.environ, "MIRROR_STATE": str(tmp_path / "state"), "TERM": "xterm"}
    argv = [str(MIRROR), "shell", "colt", "--workspace", str(workspace), "--results", str(results)]
    terminal = Terminal([*argv, "--name", "tester"], env)
    started = time.monotonic()
    try:
        banner = terminal.expect(r"Boxes (mirror-ref-colt-\w+) \(oracle\), (mirror-agent-colt-\w+)")
        boxes = {name.decode() for name in banner.groups()}
        assert boxes <= mirror_boxes()
        # Arithmetic in the commands: the echo of what is typed cannot match the answers.
        terminal.type("echo READY$((40+2))")
        terminal.expect("READY42")
        terminal.type("echo SIZE=$(stty size | tr ' ' x)")
        terminal.expect(f"SIZE={ROWS}x{COLUMNS}")
        terminal.type("printf 'name qty\\npear 12\\nfig 3.5\\n' > in.txt")
        terminal.type("oracle run --stdin in.txt -- -H -n > theirs; echo ORACLE=$((0+$?))")
        terminal.expect("ORACLE=0")
        terminal.type("printf 'mkdir -p bin\\ngcc -O2 -o bin/colt colt.c\\n' > build.sh")
        terminal.type("sh build.sh && bin/colt -H -n < in.txt > mine")
        terminal.type("cmp mine theirs && echo S$((7))")
        terminal.expect("S7")
        terminal.type("oracle test")
        tested = terminal.expect(r"(\d+) passed, (\d+) failed")
        assert int(tested[1]) > 0 and tested[2] == b"0"
        terminal.type("exit")
        status = terminal.finish(timeout=SESSION_TIMEOUT)
        assert status == 0, terminal.text
    finally:
        terminal.close()
    elapsed = time.monotonic() - started

    receipt_path = Path(re.findall(rb"receipt (\S+)", terminal.seen)[-1].decode())
    receipt = read_receipt(receipt_path)
    assert receipt_path.parent == results / "human" / "colt"
    assert (receipt.kind, receipt.candidate, receipt.target) == ("human", "tester", "colt")
    assert receipt.wall_seconds is not None and 0 < receipt.wall_seconds < elapsed
    assert receipt.pass_fraction == 1.0 and receipt.build.status == "ok"
    queries = receipt_path.with_name(f"{receipt.run_id}.queries.jsonl").read_text()
    assert '"-H"' in queries and '"-n"' in queries
    assert not boxes & mirror_boxes()


@pytest.mark.docker
def test_shell_session_without_a_terminal_pipes(tmp_path: Path) -> None:
    """Scripted through pipes: streams kept apart, an empty workspace scores zero, boxes gone."""
    results = tmp_path / "results"
    script = "echo out$((1+1)); echo err$((2+1)) >&2; cat /task/TASK.md | head -1\nexit 5\n"
    env = {**os.environ, "MIRROR_STATE": str(tmp_path / "state")}
    argv = [str(MIRROR), "shell", "colt", "--workspace", str(tmp_path / "w")]
    done = subprocess.run(
        [*argv, "--results", str(results), "--name", "piper"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=SESSION_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert "out2\n# Task: reimplement `colt`\n" in done.stdout
    assert "err3" in done.stderr and "err3" not in done.stdout
    assert "(exit 5)" in done.stdout
    receipt = read_receipt(Path(re.findall(r"receipt (\S+)", done.stdout)[-1]))
    assert (receipt.kind, receipt.candidate, receipt.passed) == ("human", "piper", 0)
    assert receipt.wall_seconds is not None and receipt.wall_seconds > 0
    boxes = set(re.findall(r"mirror-(?:ref|agent)-colt-\w+", done.stderr))
    assert len(boxes) == 2 and not boxes & mirror_boxes()


@pytest.mark.docker
def test_interrupted_session_removes_its_boxes_and_scores_nothing(tmp_path: Path) -> None:
    """Ctrl-C on a piped session (SIGINT) unwinds: boxes removed, no receipt, a clear message."""
    results = tmp_path / "results"
    argv = [str(MIRROR), "shell", "colt", "--workspace", str(tmp_path / "w")]
    process = subprocess.Popen(
        [*argv, "--results", str(results)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MIRROR_STATE": str(tmp_path / "state")},
        text=True,
    )
    try:
        shown = ""
        while "The clock runs" not in shown:
            line = process.stderr.readline()  # type: ignore[union-attr]
            assert line, f"the session ended before it opened: {shown}"
            shown += line
        boxes = set(re.findall(r"mirror-(?:ref|agent)-colt-\w+", shown))
        assert len(boxes) == 2 and boxes <= mirror_boxes()
        process.send_signal(signal.SIGINT)
        _, error = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1
    assert "interrupted: boxes removed, nothing scored" in error
    assert not list(results.glob("**/*.receipt.json"))
    assert not boxes & mirror_boxes()
