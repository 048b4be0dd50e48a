"""The runner on the host, as the calling user (how `oracle test` runs in an agent box).

Containment that needs an unprivileged uid (fork bombs, escapees) is tested in a real box in
test_boxes.py, never on the host.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oracle.case import Case
from oracle.compare import explain, first_difference
from oracle.runner import LIMITS_ONLY, Limits, Runner, Sandbox


@pytest.fixture(scope="module")
def launcher(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The compiled ``sandbox-exec`` of the images, on the host."""
    from mirror.boxes.images import SANDBOX_LAUNCHER, compiled_files

    path = tmp_path_factory.mktemp("launcher") / "sandbox-exec"
    path.write_bytes(compiled_files()[SANDBOX_LAUNCHER.lstrip("/")])
    path.chmod(0o755)
    return str(path)


# Each case is pumped by Python (a spawned program) or by the resident launcher (in C).
@pytest.fixture(params=["spawned", pytest.param("resident", marks=pytest.mark.docker)])
def shell(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runner]:
    runner = Runner(program="/bin/sh", argv0="sh", case_dir=tmp_path / "case")
    if request.param == "resident":
        runner.sandbox = Sandbox(LIMITS_ONLY, launcher=request.getfixturevalue("launcher"))
        runner.warm()
        assert runner._launcher is not None
    yield runner
    runner.close()


def test_streams_exit_code_and_stdin(shell: Runner) -> None:
    outcome = shell.run(Case(args=("-c", "cat; echo oops >&2; exit 3"), stdin=b"in\xff"))
    assert (outcome.stdout, outcome.stderr, outcome.exit_code) == (b"in\xff", b"oops\n", 3)
    assert not outcome.timed_out and outcome.signal is None


def test_a_case_the_runner_fails_leaves_the_next_one_unharmed(
    shell: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A harness fault in mid-case raises, and the next case runs as if it had not happened
    (with the resident launcher: a fresh one, as the old one's replies are out of step)."""
    import oracle.runner as module

    def broken(*args: object) -> None:
        raise OSError("the pump broke")

    with monkeypatch.context() as patch:
        patch.setattr(module, "_pump", broken)
        with pytest.raises(OSError, match="the pump broke"):
            shell.run(Case(args=("-c", "echo one; exit 3")))
    outcome = shell.run(Case(args=("-c", "echo two; exit 4")))
    assert (outcome.stdout, outcome.exit_code) == (b"two\n", 4)


def test_fixed_environment_and_folder(shell: Runner) -> None:
    outcome = shell.run(Case(args=("-c", 'echo "$HOME|$TZ|$LANG|$PATH|$(pwd)"; umask')))
    home = str(shell.case_dir)
    expected = f"{home}|UTC|C.UTF-8|/usr/local/bin:/usr/bin:/bin|{home}\n0022\n"
    assert outcome.stdout.decode() == expected


def test_extra_env_is_added(shell: Runner) -> None:
    outcome = shell.run(Case(args=("-c", "echo $LC_ALL"), env={"LC_ALL": "C"}))
    assert outcome.stdout == b"C\n"


def test_files_are_written_and_the_folder_is_fresh_each_time(shell: Runner) -> None:
    first = shell.run(Case(args=("-c", "cat d/in.txt; touch left-over"), files={"d/in.txt": b"x"}))
    assert first.stdout == b"x"
    second = shell.run(Case(args=("-c", "ls -A")))
    assert second.stdout == b""


def test_a_program_that_locks_its_folder_does_not_break_the_next_case(shell: Runner) -> None:
    shell.run(Case(args=("-c", "mkdir -p a/b && touch a/b/f && chmod 000 a/b a")))
    assert shell.run(Case(args=("-c", "ls -A"))).stdout == b""


def test_timeout_kills_the_whole_group(shell: Runner) -> None:
    started = time.monotonic()
    outcome = shell.run(Case(args=("-c", "sleep 100 & sleep 100"), timeout=0.5))
    assert outcome.timed_out and outcome.signal == 9
    assert time.monotonic() - started < 3


def test_closing_the_pipes_does_not_escape_the_timeout(shell: Runner) -> None:
    outcome = shell.run(Case(args=("-c", "exec >&- 2>&-; sleep 100"), timeout=0.5))
    assert outcome.timed_out


def test_output_is_capped_and_flagged(shell: Runner) -> None:
    shell.limits = Limits(output_bytes=1000)
    # The pump stops at the cap: what the other stream holds by then is a matter of timing.
    outcome = shell.run(Case(args=("-c", "yes")))
    assert outcome.stdout_truncated and outcome.stdout == b"y\n" * 500
    assert not outcome.timed_out and outcome.duration < 5
    outcome = shell.run(Case(args=("-c", "yes no >&2")), output_bytes=10)
    assert outcome.stderr_truncated and outcome.stderr == b"no\nno\nno\nn"
    assert not outcome.stdout_truncated and outcome.signal == 9


def test_a_program_gets_the_default_sigpipe(shell: Runner) -> None:
    outcome = shell.run(Case(args=("-c", "yes | head -n 1")))
    assert (outcome.stdout, outcome.stderr, outcome.exit_code) == (b"y\n", b"", 0)


def test_large_stdin_to_a_program_that_does_not_read_it(shell: Runner) -> None:
    outcome = shell.run(Case(args=("-c", "exit 0"), stdin=b"x" * 10_000_000))
    assert outcome.exit_code == 0


def test_file_size_limit(shell: Runner) -> None:
    shell.limits = Limits(file_size=1000)
    outcome = shell.run(Case(args=("-c", "head -c 5000 /dev/zero > big; wc -c < big")))
    assert outcome.stdout.strip() == b"1000"


def test_core_dumps_are_off(shell: Runner) -> None:
    assert shell.run(Case(args=("-c", "ulimit -c"))).stdout == b"0\n"


def test_a_missing_program_is_an_outcome(tmp_path: Path) -> None:
    outcome = Runner("/nonexistent/prog", case_dir=tmp_path / "case").run(Case())
    assert outcome.exit_code == 127 and b"cannot execute" in outcome.stderr


def test_argv0_is_the_command_name(shell: Runner) -> None:
    assert shell.run(Case(args=("-c", "echo $0"))).stdout == b"sh\n"


# --- output files ---------------------------------------------------------------------------


def test_files_the_run_created_or_changed_are_recorded_in_name_order(shell: Runner) -> None:
    script = (
        "printf new > z.out; mkdir -p d/e; printf deep > d/e/f; printf changed > in/changed;"
        " ln -s /etc/passwd link; mkfifo pipe; mkdir empty"
    )
    inputs = {"in/kept": b"same", "in/changed": b"before"}
    outcome = shell.run(Case(args=("-c", script), files=inputs))
    assert outcome.exit_code == 0
    assert list(outcome.files.items()) == [
        ("d/e/f", b"deep"),
        ("in/changed", b"changed"),
        ("z.out", b"new"),
    ]
    assert not outcome.files_truncated
    # The next case starts from an empty folder and records nothing of this one.
    assert shell.run(Case(args=("-c", "true"))).files == {}


def test_a_file_the_program_made_unreadable_is_still_recorded(shell: Runner) -> None:
    outcome = shell.run(Case(args=("-c", "printf x > f; chmod 000 f; mkdir d; chmod 000 d")))
    assert outcome.files == {"f": b"x"}


def test_files_share_the_output_cap_and_are_flagged_when_cut(tmp_path: Path) -> None:
    runner = Runner("/bin/sh", "sh", tmp_path / "case", limits=Limits(output_bytes=1000))
    outcome = runner.run(Case(args=("-c", "head -c 600 /dev/zero > a; head -c 600 /dev/zero > b")))
    assert outcome.files_truncated
    assert outcome.files == {"a": bytes(600), "b": bytes(400)}
    # An unchanged input larger than the cap is still recognised as unchanged.
    big = Case(args=("-c", "true"), files={"big": b"y" * 5000})
    assert runner.run(big).files == {} and not runner.run(big).files_truncated
    # Scoring's lower cap applies to files as to streams.
    assert runner.run(Case(args=("-c", "printf 12345 > f")), output_bytes=3).files == {"f": b"123"}


def test_a_candidate_writing_another_file_fails_the_case(tmp_path: Path) -> None:
    """What scoring and `oracle test` do: the gold's files against the candidate's."""
    case = Case(args=("in.txt",), files={"in.txt": b"a\nb\n"})
    scripts = {"reference": 'tr a-z A-Z < "$1" > "$1.up"', "candidate": "printf 'A\\n' > \"$1.up\""}
    outcomes = {}
    for name, script in scripts.items():
        program = tmp_path / name
        program.write_text(f"#!/bin/sh\n{script}\n")
        program.chmod(0o755)
        outcomes[name] = Runner(str(program), "prog", tmp_path / "case").run(case)
    gold, candidate = outcomes["reference"], outcomes["candidate"]
    assert gold.files == {"in.txt.up": b"A\nB\n"} and gold.stdout == candidate.stdout == b""
    assert first_difference(gold, candidate) == "files"
    assert explain(gold, candidate)[:3] == [
        "  file 'in.txt.up' differs:",
        "    --- expected",
        "    +++ yours",
    ]
    again = Runner(str(tmp_path / "reference"), "prog", tmp_path / "case").run(case)
    assert first_difference(gold, again) is None
