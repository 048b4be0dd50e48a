"""The scripted tour of user mistakes: each is one clear line on stderr and a non-zero exit.

``mirror`` runs in-process through click's CliRunner (and once as the installed command);
``oracle`` runs as the installed command, as a user types it. None of these needs Docker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from mirror.boxes.engine import EngineError
from mirror.cli.errors import EXIT_HARNESS, EXIT_USAGE, EXIT_USER, MirrorGroup
from mirror.cli.main import main
from mirror.errors import UserError
from mirror.scoring.receipts import RECEIPT_FORMAT
from mirror.specs.targets import all_targets

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def one_line(text: str) -> str:
    """The single line of ``text``; fails if there are more, or a traceback."""
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def mirror(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def mirror_error(*args: str, code: int = EXIT_USER) -> str:
    """Run ``mirror ARGS``, expect a user's error; return its message without the prefix."""
    result = mirror(*args)
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not an uncaught error
    line = one_line(result.stderr)
    assert line.startswith("error: "), line
    return line.removeprefix("error: ")


def oracle(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "oracle"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def targets_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty targets folder (and held-out folder) in place of the repository's."""
    root = tmp_path / "targets"
    root.mkdir()
    monkeypatch.setenv("MIRROR_TARGETS", str(root))
    monkeypatch.setenv("MIRROR_HELDOUT", str(tmp_path / "heldout"))
    all_targets.cache_clear()
    yield root
    all_targets.cache_clear()


def copy_ncal(root: Path) -> Path:
    """A copy of the ncal target and its held-out suite under ``root`` (and its sibling)."""
    folder = root / "ncal"
    shutil.copytree(ROOT / "targets" / "ncal", folder)
    shutil.copytree(ROOT / "heldout" / "ncal", root.parent / "heldout" / "ncal")
    return folder


# --- mirror -----------------------------------------------------------------------------------


def test_malformed_target_toml_names_file_and_field(targets_root: Path) -> None:
    spec = copy_ncal(targets_root) / "target.toml"
    spec.write_text(spec.read_text().replace('bucket = "S"', 'bucket = "XL"'))
    message = mirror_error("targets", "list")
    assert str(spec) in message and "'bucket'" in message and "'XL'" in message


def test_target_toml_missing_a_field(targets_root: Path) -> None:
    spec = copy_ncal(targets_root) / "target.toml"
    spec.write_text(spec.read_text().replace('command = "cal"\n', ""))
    message = mirror_error("score", "ncal", str(targets_root))
    assert str(spec) in message and "'command'" in message


def test_target_toml_that_is_not_toml(targets_root: Path) -> None:
    spec = copy_ncal(targets_root) / "target.toml"
    spec.write_text(spec.read_text() + "\n[packages\n")
    message = mirror_error("targets", "list")
    assert str(spec) in message and "TOML" in message


def test_report_with_a_malformed_target_toml(targets_root: Path, tmp_path: Path) -> None:
    spec = copy_ncal(targets_root) / "target.toml"
    spec.write_text(spec.read_text().replace('binary = "/usr/bin/ncal"', 'binary = "ncal"'))
    message = mirror_error("report", "--results", str(tmp_path), "--out", str(tmp_path / "out"))
    assert str(spec) in message and "'binary'" in message


def test_suite_line_with_a_missing_field(targets_root: Path) -> None:
    visible = copy_ncal(targets_root) / "visible.jsonl"
    lines = visible.read_text().splitlines()
    record = json.loads(lines[1])
    del record["gold"]
    visible.write_text("\n".join([lines[0], json.dumps(record), *lines[2:]]) + "\n")
    message = mirror_error("tests", "list")
    assert message.startswith(f"{visible}:2: ") and "'gold'" in message


def test_calibrate_unknown_candidate_lists_the_known_ones() -> None:
    message = mirror_error("calibrate", "--candidates", "nosuch")
    assert "'nosuch'" in message and "reference" in message and "empty" in message


def test_score_unknown_target_lists_the_known_ones() -> None:
    message = mirror_error("score", "nosuch", ".")
    assert "'nosuch'" in message and "ncal" in message and "jq" in message


def test_score_workspace_without_the_program(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "jq").write_text("#!/bin/sh\n")  # another target's program
    message = mirror_error("score", "ncal", str(tmp_path))
    assert str(tmp_path) in message and "bin/cal" in message and "build.sh" in message


def test_score_workspace_that_does_not_exist(tmp_path: Path) -> None:
    message = mirror_error("score", "ncal", str(tmp_path / "nowhere"), code=EXIT_USAGE)
    assert "nowhere" in message and "does not exist" in message and "--help" in message


def test_report_on_a_corrupt_receipt_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "results" / "human" / "cal" / "x.receipt.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({"format": RECEIPT_FORMAT, "passed": "many"}))
    out = tmp_path / "report"
    message = mirror_error("report", "--results", str(tmp_path / "results"), "--out", str(out))
    assert message.startswith(f"{bad}: ") and "'passed'" in message
    assert "--skip-malformed" in message
    assert not out.exists()


def test_report_on_a_receipt_that_is_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "a.receipt.json"
    bad.write_text("{")
    message = mirror_error("report", "--results", str(tmp_path), "--out", str(tmp_path / "out"))
    assert message.startswith(f"{bad}: ") and "JSON" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [("nosuch",), ("--nosuch",), ("tests", "build"), ("score", "--kind", "robot", "ncal", ".")],
)
def test_bad_command_lines(args: tuple[str, ...]) -> None:
    message = mirror_error(*args, code=EXIT_USAGE)
    assert "--help" in message


def test_the_installed_command_prints_no_traceback() -> None:
    result = subprocess.run(
        [str(BIN / "mirror"), "score", "nosuch", "."],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == EXIT_USER
    assert one_line(result.stderr).startswith("error: no target named 'nosuch'")


def test_an_unreachable_engine_is_a_harness_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "mirror"), "targets", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"},
    )
    assert result.returncode == EXIT_HARNESS, result.stderr
    assert one_line(result.stderr).startswith("harness error: the Docker engine is not answering")


# The group itself, on commands that fail in each way (the commands are the fixture here).
@click.group(cls=MirrorGroup)
def toy() -> None:
    pass


@toy.command()
@click.argument("kind")
def fail(kind: str) -> None:
    errors = {
        "user": UserError("targets/x/target.toml: field 'bucket': expected S, M or L"),
        "harness": EngineError("the engine went away\nits log line"),
        "file": FileNotFoundError(2, "No such file or directory", "/nowhere/x"),
        "bug": ZeroDivisionError("a bug"),
        "bare-os": ConnectionResetError(104, "Connection reset by peer"),
    }
    raise errors[kind]


def test_group_user_error_is_one_line_exit_1() -> None:
    result = CliRunner().invoke(toy, ["fail", "user"])
    assert result.exit_code == EXIT_USER
    assert one_line(result.stderr) == (
        "error: targets/x/target.toml: field 'bucket': expected S, M or L"
    )


def test_group_harness_error_has_its_own_prefix_and_code() -> None:
    result = CliRunner().invoke(toy, ["fail", "harness"])
    assert result.exit_code == EXIT_HARNESS
    assert result.stderr.startswith("harness error: the engine went away")


def test_group_file_error_names_the_file() -> None:
    result = CliRunner().invoke(toy, ["fail", "file"])
    assert result.exit_code == EXIT_USER
    assert one_line(result.stderr) == "error: /nowhere/x: No such file or directory"


@pytest.mark.parametrize("kind", ["bug", "bare-os"])
def test_group_lets_a_bug_keep_its_traceback(kind: str) -> None:
    result = CliRunner().invoke(toy, ["fail", kind])
    assert result.exit_code == 1
    assert isinstance(result.exception, ZeroDivisionError | ConnectionResetError)
    assert result.exc_info is not None and result.exc_info[2] is not None


# --- oracle -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("run", "--timeout", "abc", "--", "x"), ["--timeout", "'abc'"]),
        (("test", "--show", "x"), ["--show", "'x'"]),
        (("run", "--bogus", "--", "x"), ["--bogus"]),
        (("frob",), ["'frob'", "run"]),
        (("run", "--env", "novalue", "--", "x"), ["--env", "NAME=VALUE"]),
        (("exec", "--program", "/bin/true", "--uid", "root"), ["--uid", "'root'"]),
        (("serve", "--program", "/bin/true"), ["--socket"]),
    ],
)
def test_oracle_bad_command_lines(args: tuple[str, ...], names: list[str]) -> None:
    result = oracle(*args)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("oracle: ") and "oracle --help" in line
    assert all(name in line for name in names), line


def test_oracle_missing_socket(tmp_path: Path) -> None:
    result = oracle("run", "--", "x", env={"MIRROR_ORACLE_SOCKET": str(tmp_path / "none.sock")})
    assert result.returncode == 125
    line = one_line(result.stderr)
    assert line.startswith("oracle: cannot reach the oracle at") and "MIRROR_ORACLE_SOCKET" in line


def test_oracle_test_on_a_suite_line_with_a_missing_field(tmp_path: Path) -> None:
    suite = tmp_path / "visible.jsonl"
    lines = (ROOT / "targets" / "ncal" / "visible.jsonl").read_text().splitlines()[:3]
    record = json.loads(lines[2])
    del record["family"]
    suite.write_text("\n".join([*lines[:2], json.dumps(record)]) + "\n")
    result = oracle("test", "--suite", str(suite), "--program", "/bin/true")
    assert result.returncode == 125
    line = one_line(result.stderr)
    assert line.startswith(f"oracle: {suite}:3: ") and "'family'" in line


def test_oracle_test_on_a_missing_suite(tmp_path: Path) -> None:
    missing = tmp_path / "none.jsonl"
    result = oracle("test", "--suite", str(missing), "--program", "/bin/true")
    assert result.returncode == 125
    assert one_line(result.stderr) == f"oracle: {missing}: No such file or directory"


def test_oracle_help_is_not_an_error() -> None:
    result = oracle("--help")
    assert result.returncode == 0 and "oracle run" in result.stdout and not result.stderr
