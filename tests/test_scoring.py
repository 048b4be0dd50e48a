"""Scoring in isolated boxes, on a small ncal (BSD cal) suite captured here from the reference."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from contextlib import suppress
from pathlib import Path

import docker.errors
import pytest

from mirror.boxes.agent_image import hidden_paths
from mirror.boxes.engine import engine
from mirror.boxes.images import reference_tag
from mirror.errors import HarnessError
from mirror.scoring.candidates import materialise
from mirror.scoring.receipts import RECEIPT_FORMAT, read_receipt, workspace_digest
from mirror.scoring.score import (
    build_workspace,
    copy_workspace,
    first_difference,
    run_cases,
    score,
)
from mirror.specs.targets import get_target
from mirror.suites import Suite, SuiteCase
from oracle.case import Case, Outcome

pytestmark = pytest.mark.docker
CAL = get_target("ncal")


@pytest.fixture(scope="module")
def small_suite(box_factory) -> Suite:
    visible = [Case(args=(str(m), "2024")) for m in range(1, 13)] + [Case(args=("-x",))]
    heldout = [Case(args=(str(m), "1999")) for m in range(1, 13)]
    heldout += [Case(args=("-j", str(m), "1752")) for m in (9, 10)] + [Case(args=("13", "2000"))]
    with box_factory("ncal").client() as client:

        def capture(cases: list[Case]) -> list[SuiteCase]:
            return [SuiteCase("months", case, client.run(case)) for case in cases]

        return Suite("ncal", capture(visible), capture(heldout), {"reference": {}})


def write_candidate(folder: Path, program: str, build: str | None = None) -> Path:
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "cal").write_text(program)
    (folder / "bin" / "cal").chmod(0o755)
    if build is not None:
        (folder / "build.sh").write_text(build)
    return folder


def score_small(suite: Suite, workspace: Path, tmp_path: Path, name: str = "test"):
    return score(CAL, workspace, name, "calibration", tmp_path / "results", tmp_path, suite=suite)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("reference", lambda f: f == 1.0),
        ("empty", lambda f: f == 0.0),
        ("lookup", lambda f: f <= 0.05),
        ("thief", lambda f: f == 0.0),
    ],
)
def test_validity_baselines(small_suite, tmp_path, name, check, monkeypatch) -> None:
    monkeypatch.setattr("mirror.scoring.candidates.load_suite", lambda target: small_suite)
    workspace = materialise(name, CAL, tmp_path / "candidates")
    receipt, path = score_small(small_suite, workspace, tmp_path, name)
    assert check(receipt.pass_fraction), receipt
    assert receipt.total == len(small_suite.heldout) and receipt.build.status == "ok"
    saved = json.loads(path.read_text())
    assert saved["passed"] == receipt.passed and saved["solved_100"] == (receipt.passed == 15)
    assert read_receipt(path) == receipt
    verdicts = [json.loads(line) for line in (path.parent / receipt.cases).read_text().splitlines()]
    assert len(verdicts) == receipt.total == len({v["case_id"] for v in verdicts})
    assert sum(v["passed"] for v in verdicts) == receipt.passed


def test_a_receipt_names_what_it_was_scored_with(small_suite, tmp_path, repo_root) -> None:
    workspace = write_candidate(tmp_path / "ws", "#!/bin/sh\necho 1\n")
    receipt, path = score_small(small_suite, workspace, tmp_path)
    assert receipt.format == RECEIPT_FORMAT and receipt.workspace == workspace_digest(workspace)
    assert receipt.images.reference == reference_tag(CAL)
    assert engine().images.get(receipt.images.agent)  # the image the boxes really ran
    head = subprocess.run(["git", "-C", str(repo_root), "rev-parse", "HEAD"], capture_output=True)
    assert receipt.revision.commit == head.stdout.decode().strip()
    assert isinstance(receipt.revision.dirty, bool)
    assert receipt.suite.startswith("sha256:")
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        [path.name, receipt.cases, receipt.build.log]
    )


def test_a_build_in_c_from_source(small_suite, tmp_path) -> None:
    source = '#include <stdio.h>\nint main(void) { puts("not a calendar"); return 0; }\n'
    workspace = write_candidate(tmp_path / "ws", "placeholder")
    (workspace / "cal.c").write_text(source)
    (workspace / "build.sh").write_text("gcc -O2 -o bin/cal cal.c\n")
    receipt, path = score_small(small_suite, workspace, tmp_path)
    assert receipt.build.status == "ok" and receipt.passed == 0
    assert "exit 0" in (path.parent / receipt.build.log).read_text()


def test_a_failing_build_still_gets_a_receipt(small_suite, tmp_path) -> None:
    workspace = write_candidate(tmp_path / "ws", "#!/bin/sh\n", build="echo broken >&2; exit 3\n")
    receipt, path = score_small(small_suite, workspace, tmp_path)
    assert receipt.build.status == "failed" and receipt.passed == 0
    assert "broken" in (path.parent / receipt.build.log).read_text()


def test_a_build_that_leaves_no_program_is_the_candidates_failure(small_suite, tmp_path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "build.sh").write_text("mkdir -p bin; echo built nothing\n")
    receipt, path = score_small(small_suite, workspace, tmp_path)
    assert receipt.build.status == "failed" and receipt.passed == 0
    assert "no bin/cal" in (path.parent / receipt.build.log).read_text()


def test_a_build_that_outruns_its_time_fails(tmp_path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "build.sh").write_text("echo started; sleep 60\n")
    work = copy_workspace(workspace, tmp_path / "copy")
    started = time.monotonic()
    assert build_workspace(work, tmp_path / "build.log", [], timeout=3) == "failed"
    assert time.monotonic() - started < 30
    assert "timed out after 3s" in (tmp_path / "build.log").read_text()


def test_a_build_cannot_reach_the_network(small_suite, tmp_path) -> None:
    probe = "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 80), 3)\""
    workspace = write_candidate(tmp_path / "ws", "#!/bin/sh\n", build=probe + "\n")
    receipt, path = score_small(small_suite, workspace, tmp_path)
    assert receipt.build.status == "failed"
    assert "unreachable" in (path.parent / receipt.build.log).read_text()


class Saboteur(threading.Thread):
    """From outside the harness, kill, stop or remove the box labelled ``box`` as soon as it
    runs a process whose command line holds ``token``: a fault of the engine's, mid-scoring."""

    def __init__(self, box: str, token: str, how: str) -> None:
        super().__init__(daemon=True)
        self.box, self.token, self.how = box, token, how
        self.struck: str | None = None

    def run(self) -> None:
        deadline = time.monotonic() + 90
        while self.struck is None and time.monotonic() < deadline:
            for container in engine().containers.list(filters={"label": f"mirror.box={self.box}"}):
                processes = ""
                with suppress(docker.errors.APIError):  # a box that just ended
                    processes = json.dumps(container.top())
                if self.token in processes:
                    self.struck = container.id
                    strike = {
                        "kill": container.kill,
                        "stop": lambda c=container: c.stop(timeout=1),
                        "remove": lambda c=container: c.remove(force=True),
                    }[self.how]
                    strike()
                    break
            time.sleep(0.2)


def assert_no_receipt(results: Path) -> None:
    assert not results.exists() or not [p for p in results.rglob("*") if p.is_file()]


@pytest.mark.parametrize("how", ["kill", "remove"])
def test_a_build_box_killed_from_outside_is_a_harness_error(small_suite, tmp_path, how) -> None:
    token = f"120.{uuid.uuid4().int % 10**9}"
    workspace = write_candidate(tmp_path / "ws", "#!/bin/sh\n", build=f"sleep {token}\n")
    saboteur = Saboteur("build", token, how)
    saboteur.start()
    started = time.monotonic()
    with pytest.raises(HarnessError, match="no receipt was written"):
        score_small(small_suite, workspace, tmp_path)
    assert saboteur.struck and time.monotonic() - started < 60
    assert_no_receipt(tmp_path / "results")


@pytest.mark.parametrize("how", ["remove", "stop"])
def test_a_scoring_box_killed_mid_run_is_a_harness_error(small_suite, tmp_path, how) -> None:
    token = f"30.{uuid.uuid4().int % 10**9}"
    # Case 0 ("1 1999") hangs in the candidate until the box goes; every other case answers.
    program = f'#!/bin/sh\ncase "$1" in 1) exec sleep {token};; *) echo no;; esac\n'
    workspace = write_candidate(tmp_path / "ws", program)
    saboteur = Saboteur("scoring", token, how)
    saboteur.start()
    started = time.monotonic()
    with pytest.raises(HarnessError, match="no receipt was written"):
        score_small(small_suite, workspace, tmp_path)
    assert saboteur.struck and time.monotonic() - started < 60
    assert_no_receipt(tmp_path / "results")


def test_hanging_crashing_and_flooding_candidates_become_outcomes(small_suite, tmp_path) -> None:
    entries = [
        SuiteCase("x", Case(args=("1", "1999"), timeout=1), small_suite.heldout[0].gold),
        *small_suite.heldout[1:3],
    ]
    program = '#!/bin/sh\ncase "$1" in 1) sleep 100;; 2) kill -SEGV $$;; *) yes;; esac\n'
    workspace = write_candidate(tmp_path / "ws", program)
    started = time.monotonic()
    hang, crash, flood = run_cases(workspace, CAL, entries, workers=1)
    assert hang.timed_out and crash.signal == 11 and flood.stdout_truncated
    assert time.monotonic() - started < 30


PROBE = """#!/usr/bin/python3
import os, socket
found = []
for path in ["/oracle/oracle.sock", "/heldout", "/results", "/var/log/mirror", "/usr/bin/ncal",
             "/work/../heldout", "/var/run/docker.sock"]:
    if os.path.exists(path):
        found.append(path)
for address in [("1.1.1.1", 53), ("10.0.0.1", 80), ("172.17.0.1", 2375)]:
    s = socket.socket()
    s.settimeout(1)
    if s.connect_ex(address) == 0:
        found.append(repr(address))
try:
    open("/work/bin/tampered", "w")
    found.append("wrote the workspace")
except OSError:
    pass
for folder in ["/opt/mirror/oracle", "/usr/local/bin"]:
    if os.access(folder, os.W_OK):
        found.append(f"can write {folder}")
print("reached:", found)
"""


def test_the_scoring_box_offers_nothing_to_steal(small_suite, tmp_path) -> None:
    workspace = write_candidate(tmp_path / "ws", PROBE)
    (outcome,) = run_cases(workspace, CAL, small_suite.heldout[:1], workers=1)
    assert outcome.stdout == b"reached: []\n", outcome


def test_first_difference_names_the_stream() -> None:
    gold = Outcome(b"a", b"", 0)
    assert first_difference(gold, Outcome(b"a", b"", 0)) is None
    assert first_difference(gold, Outcome(b"b", b"", 0)) == "stdout"
    assert first_difference(gold, Outcome(b"a", b"e", 0)) == "stderr"
    assert first_difference(gold, Outcome(b"a", b"", 1)) == "exit_code"


@pytest.mark.parametrize("name", ["numfmt", "sed"])
def test_copies_of_the_reference_in_the_agent_image_are_hidden(name, tmp_path) -> None:
    target = get_target(name)
    assert target.binary in hidden_paths(target)
    entry = SuiteCase("x", Case(args=()), Outcome(b"", b"", 0))
    probe = f"#!/bin/sh\nhead -c 4 {target.binary} | od -c; {target.binary} --version\n"
    workspace = write_candidate(tmp_path / "ws", probe)
    (workspace / "bin" / "cal").rename(workspace / "bin" / target.command)
    (outcome,) = run_cases(workspace, target, [entry], workers=1)
    assert b"ELF" not in outcome.stdout and outcome.stdout.strip() == b"0000000"


def test_the_lookup_candidate_replays_every_visible_case(small_suite, tmp_path, monkeypatch):
    """Its near-zero held-out score means something only if it does know the visible gold."""
    monkeypatch.setattr("mirror.scoring.candidates.load_suite", lambda target: small_suite)
    workspace = materialise("lookup", CAL, tmp_path / "candidates")
    on_visible = Suite("ncal", small_suite.visible, small_suite.visible, {"reference": {}})
    receipt, _ = score_small(on_visible, workspace, tmp_path, "lookup")
    assert receipt.passed == receipt.total == len(small_suite.visible)
