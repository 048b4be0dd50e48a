"""The red team on the real engine: no leak on the default targets, detectors that do fire
when the protection they check is taken away, and red-team files that are checked on load."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest

from mirror.boxes.agent_image import ensure_agent_image
from mirror.boxes.engine import EngineError, engine
from mirror.redteam import (
    ATTACKS,
    CHANNELS,
    NET,
    Context,
    ProbeError,
    Reader,
    RedTeamSpec,
    Shows,
    Verdict,
    attack,
    default_targets,
    load_redteam,
    probe_in_container,
    probe_via_runner,
    redteam_spec,
    render,
    run_redteam,
    target_context,
)
from mirror.redteam.channels.through_oracle import read_via, reads_as_null
from mirror.redteam.judges import (
    judge_docker,
    judge_heldout,
    judge_leftovers,
    judge_tcp,
    judge_visible,
    judge_writes,
)
from mirror.specs.targets import SpecError, all_targets, get_target
from mirror.suites.store import heldout_root
from oracle.case import Case, Outcome

needs_docker = pytest.mark.docker
CAT = [Reader(how="cat", args=["-c", 'cat "{path}"'])]


@needs_docker
@pytest.mark.slow
def test_no_leak_on_the_default_targets() -> None:
    targets = default_targets()
    results = run_redteam(targets)
    failed = [r for r in results if r.result != "blocked"]
    assert not failed, "\n".join(f"{r.target} {r.attack}: {r.result} {r.evidence}" for r in failed)
    per_target = Counter(r.target for r in results)
    assert all(per_target[target.name] >= 25 for target in targets), per_target
    assert {r.channel for r in results} == set(CHANNELS)


# One attack of each kind (a feature of the program, its shell, a compromised program, the agent
# box, the scoring box, the protocol): what `make test` runs of the red team.
REPRESENTATIVE = [
    "read the reference binary",
    "shell command: inject code into the program (memfd + LD_PRELOAD)",
    "compromised program: TCP egress",
    "docker socket",
    "candidate: held-out suite anywhere",
    "malformed requests",
]


@needs_docker
def test_one_attack_of_each_kind_is_blocked() -> None:
    results = run_redteam([get_target("sed")], REPRESENTATIVE)
    failed = [f"{r.attack}: {r.result} {r.evidence}" for r in results if r.result != "blocked"]
    assert not failed, "\n".join(failed)
    assert [r.attack for r in results] == REPRESENTATIVE
    assert {r.channel for r in results} == set(CHANNELS)


def test_every_attack_has_a_known_channel_and_unique_name() -> None:
    assert len(ATTACKS) >= 25
    assert {a.channel for a in ATTACKS.values()} <= set(CHANNELS)
    with pytest.raises(ValueError, match="registered twice"):
        attack(next(iter(ATTACKS)), "protocol")(lambda ctx: Verdict(False, ""))


def test_default_targets_come_from_the_red_team_files() -> None:
    chosen = {target.name for target in default_targets()}
    assert chosen == {name for name, t in all_targets().items() if redteam_spec(t).default}
    assert {"jq", "sed", "hexyl"} <= chosen
    # every target that can read a named file is attacked through that feature
    assert all(redteam_spec(t).readers for t in default_targets())


def test_reader_tests_judge_outcomes() -> None:
    echoed = Reader(how="r", args=["r {path}"], stdin="-\n", shows=Shows(differs_from="-\n"))
    assert echoed.case(path="/etc/x").args == ("r /etc/x",)
    assert not echoed.shows(Outcome(b"-\n", b"", 0))
    assert echoed.shows(Outcome(b"-\nroot:x\n", b"", 0))
    length = Reader(how="n", args=["{path}"], shows=Shows(digits=True))
    assert length.shows(Outcome(b" 42\n", b"", 0)) and not length.shows(Outcome(b"x", b"", 0))
    corrupt = Reader(how="d", args=["{path}"], shows=Shows(stream="stderr", contains="bad"))
    assert corrupt.shows(Outcome(b"", b"a bad file", 1))
    assert not corrupt.shows(Outcome(b"bad", b"", 1))


def test_a_descriptor_that_reads_as_dev_null_shows_nothing_and_any_other_does() -> None:
    reader = Reader(how="report", args=["report", "{path}"])
    held = {"/dev/fd/4": b"From: the reference\n"}  # fd 3 is /dev/null, fd 5 is not open

    def run(case: Case) -> Outcome:
        path = case.args[1]
        if path == "/dev/fd/5":
            return Outcome(b"", b"report: ENOENT: no such file or directory " + path.encode(), 1)
        return Outcome(b"{" + held.get(path, b"") + b"}", b"", 0)

    judge = reads_as_null(run)
    blocked = read_via(run, [reader], ["/dev/fd/3", "/dev/fd/5"], harmless=judge)
    assert not blocked.leaked and "1 read as /dev/null" in blocked.evidence
    assert read_via(run, [reader], ["/dev/fd/3", "/dev/fd/4"], harmless=judge).leaked
    assert read_via(run, [reader], ["/dev/fd/3"]).leaked  # other attacks: a read that succeeds


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('default = "maybe"', ["field 'default'", "valid boolean"]),
        ('colour = "red"', ["field 'colour'", "unknown", "remove it", "readers"]),
        ('[[readers]]\nhow = "cat"\nargs = ["x"]', ["field 'readers.0'", "{path}"]),
        (
            '[[readers]]\nhow = "cat"\nargs = ["{path}"]\nshows = { colour = 1 }',
            ["field 'readers.0.shows.colour'", "use one of: stream, contains"],
        ),
        ('[[readers]]\nargs = ["{path}"]', ["field 'readers.0.how'", "required; add it"]),
        ("[crash]\ntimeout = -1", ["field 'crash.timeout'", "greater than 0"]),
        ("[shell]\nargs = ['sh']", ["field 'shell'", "{command}"]),
        ("default = ", ["not valid TOML", "fix the syntax"]),
    ],
)
def test_a_malformed_red_team_file_names_the_file_the_field_and_the_fix(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    path = tmp_path / "redteam.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        load_redteam(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for word in words:
        assert word in message, message


def test_a_target_without_a_red_team_file_gets_the_common_attacks(tmp_path: Path) -> None:
    assert load_redteam(tmp_path / "redteam.toml") == RedTeamSpec()


def mirror_command(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "mirror"), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


def test_mirror_redteam_reports_a_malformed_red_team_file_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "targets" / "jq"
    folder.mkdir(parents=True)
    (folder / "target.toml").write_bytes((get_target("jq").folder / "target.toml").read_bytes())
    (folder / "redteam.toml").write_text("default = true\nreaders = 3\n")
    shown = mirror_command("redteam", MIRROR_TARGETS=str(tmp_path / "targets"))
    assert shown.returncode == 1, shown.stderr
    assert shown.stderr.count("\n") == 1 and "Traceback" not in shown.stderr
    assert f"{folder / 'redteam.toml'}: " in shown.stderr and "field 'readers'" in shown.stderr


def test_mirror_redteam_reports_an_engine_fault_as_the_harness_s(tmp_path: Path) -> None:
    shown = mirror_command("redteam", "jq", DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock")
    assert shown.returncode == 3, shown.stderr
    lines = [line for line in shown.stderr.splitlines() if line.startswith("harness error: ")]
    assert lines and "Docker engine" in lines[0] and "Traceback" not in shown.stderr


@pytest.fixture
def registered() -> Iterator[list[str]]:
    """Attacks a test registers, removed after it."""
    names: list[str] = []
    yield names
    for name in names:
        del ATTACKS[name]


def test_a_probe_failure_is_an_error_row_and_an_engine_fault_stops_the_run(
    registered: list[str],
) -> None:
    def no_result(ctx: Context) -> Verdict:
        raise ProbeError("probe 'net' printed no result")

    def engine_gone(ctx: Context) -> Verdict:
        raise docker.errors.APIError("500 Server Error: the engine went away")

    registered += ["test: probe prints nothing", "test: the engine goes away"]
    attack(registered[0], "protocol")(no_result)
    attack(registered[1], "protocol")(engine_gone)
    jq = get_target("jq")
    [result] = run_redteam([jq], [registered[0]])
    assert (result.result, result.target) == ("error", "jq") and "no result" in result.evidence
    with pytest.raises(EngineError, match="while attacking jq during 'test: the engine goes away'"):
        run_redteam([jq], registered)


@pytest.fixture(scope="module")
def jq() -> Iterator[Context]:
    with target_context(get_target("jq")) as ctx:
        yield ctx


def plain_container(image: str, user: str = "1000", **options) -> object:
    """A throwaway container without the boxes' protections (each test adds one back)."""
    options.setdefault("network_mode", "none")
    return engine().containers.run(
        image,
        ["sleep", "infinity"],
        detach=True,
        user=user,
        labels={"mirror.box": "test"},
        **options,
    )


@pytest.fixture
def containers() -> Iterator[list]:
    started: list = []
    yield started
    for container in started:
        container.remove(force=True)


@needs_docker
def test_reads_of_proc_1_succeed_without_the_sandbox(jq: Context) -> None:
    _, shell, _ = jq.shell
    leaked = read_via(shell.run, CAT, ["/proc/1/cmdline"])
    assert leaked.leaked and "oracle" in leaked.evidence
    assert not read_via(jq.run, jq.spec.readers, ["/proc/1/cmdline"]).leaked


@needs_docker
def test_ptrace_succeeds_without_the_sandbox_and_fails_inside_it(jq: Context) -> None:
    bare = probe_via_runner(jq.shell[1], "ptrace", None)
    assert bare["ptrace"] == "attached" and bare["mem"] == "opened"
    # Docker's default seccomp profile already refuses process_vm_readv without CAP_SYS_PTRACE.
    assert bare["process_vm_readv"] == "Operation not permitted"
    jailed = jq.probe("jail", "ptrace")
    assert jailed["ptrace"] == jailed["process_vm_readv"] == "Operation not permitted"


@needs_docker
def test_processes_of_the_reference_are_seen_from_its_pid_namespace(
    jq: Context, containers
) -> None:
    box = plain_container(ensure_agent_image(), pid_mode=f"container:{jq.reference.container.id}")
    containers.append(box)
    result = probe_in_container(box, "procs", jq.params("procs", "agent"), "1000")
    assert judge_visible(result).leaked
    assert not judge_visible(jq.probe("agent", "procs")).leaked


@needs_docker
def test_a_network_is_seen(containers) -> None:
    box = plain_container(ensure_agent_image(), network_mode="host")
    containers.append(box)
    interfaces_only: dict[str, list] = {"tcp": [], "udp": [], "dns": []}
    assert judge_tcp(probe_in_container(box, "net", interfaces_only, "1000")).leaked
    assert NET["tcp"]  # the real probe does try addresses


@needs_docker
def test_a_mounted_docker_socket_is_seen(containers) -> None:
    socket = {"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "ro"}}
    box = plain_container(ensure_agent_image(), volumes=socket)
    containers.append(box)
    verdict = judge_docker(probe_in_container(box, "docker", {"paths": list(socket)}, "1000"))
    assert verdict.leaked and "/var/run/docker.sock" in verdict.evidence


@needs_docker
def test_a_mounted_heldout_suite_is_found(jq: Context, containers) -> None:
    suite = heldout_root() / jq.secrets.heldout_suite
    box = plain_container(
        ensure_agent_image(), volumes={str(suite): {"bind": "/mnt/s", "mode": "ro"}}
    )
    containers.append(box)
    verdict = judge_heldout(
        jq, probe_in_container(box, "search", jq.params("search", "agent"), "1000")
    )
    assert verdict.leaked and "/mnt/s/cases.jsonl" in verdict.evidence


@needs_docker
def test_the_reference_is_found_where_it_is_not_masked(jq: Context, containers) -> None:
    box = plain_container(jq.image.tag, user="0")
    containers.append(box)
    verdict = judge_leftovers(
        jq, probe_in_container(box, "leftovers", jq.params("leftovers", "agent"), "0")
    )
    assert verdict.leaked and "/usr/bin/jq" in verdict.evidence


@needs_docker
def test_gnu_sed_in_the_agent_image_is_found_without_its_mask(containers) -> None:
    with target_context(get_target("sed")) as sed:
        box = plain_container(ensure_agent_image())
        containers.append(box)
        result = probe_in_container(box, "leftovers", sed.params("leftovers", "agent"), "1000")
        verdict = judge_leftovers(sed, result)
        assert verdict.leaked and "/usr/bin/sed" in verdict.evidence
        assert not judge_leftovers(sed, sed.probe("agent", "leftovers")).leaked


@needs_docker
def test_a_writable_root_is_seen(containers) -> None:
    box = plain_container(ensure_agent_image(), user="0")
    containers.append(box)
    result = probe_in_container(box, "writes", {"dirs": ["/", "/etc"], "files": []}, "0")
    assert judge_writes(result, ["/case"]).leaked


@needs_docker
def test_probe_files_never_hold_a_searched_string(jq: Context) -> None:
    source = render("search", jq.params("search", "agent"))
    assert all(text not in source for text in jq.secrets.strings())
