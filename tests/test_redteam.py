"""The red team on the real engine: no leak on jq, sed and hexyl, and detectors that do fire
when the protection they check is taken away."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from mirror.boxes.agent_image import ensure_agent_image
from mirror.boxes.engine import engine
from mirror.redteam.attacks import (
    ATTACKS,
    NET,
    READERS,
    Context,
    Reader,
    judge_docker,
    judge_heldout,
    judge_leftovers,
    judge_tcp,
    judge_visible,
    judge_writes,
    probe_in_container,
    probe_via_runner,
    read_via,
    render,
    run_redteam,
    target_context,
)
from mirror.specs.targets import get_target
from mirror.suites import heldout_root
from oracle.case import Case

pytestmark = pytest.mark.docker
CAT = [Reader("cat", lambda path: Case(("-c", f'cat "{path}"')), lambda o: bool(o.stdout))]


def test_no_leak_on_jq_sed_and_hexyl() -> None:
    results = run_redteam([get_target(name) for name in ("jq", "sed", "hexyl")])
    failed = [r for r in results if r.result != "blocked"]
    assert not failed, "\n".join(f"{r.target} {r.attack}: {r.result} {r.evidence}" for r in failed)
    per_target = Counter(r.target for r in results)
    assert all(per_target[name] >= 25 for name in ("jq", "sed", "hexyl")), per_target
    assert {r.channel for r in results} == {"oracle", "agent box", "scoring box", "protocol"}


def test_every_attack_has_a_known_channel_and_unique_name() -> None:
    assert len(ATTACKS) >= 25
    assert {a.channel for a in ATTACKS.values()} <= {
        "oracle",
        "agent box",
        "scoring box",
        "protocol",
    }


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


def test_reads_of_proc_1_succeed_without_the_sandbox(jq: Context) -> None:
    _, shell, _ = jq.shell
    leaked = read_via(shell.run, CAT, ["/proc/1/cmdline"])
    assert leaked.leaked and "oracle" in leaked.evidence
    assert not read_via(jq.run, READERS["jq"], ["/proc/1/cmdline"]).leaked


def test_ptrace_succeeds_without_the_sandbox_and_fails_inside_it(jq: Context) -> None:
    bare = probe_via_runner(jq.shell[1], "ptrace", None)
    assert bare["ptrace"] == "attached" and bare["mem"] == "opened"
    # Docker's default seccomp profile already refuses process_vm_readv without CAP_SYS_PTRACE.
    assert bare["process_vm_readv"] == "Operation not permitted"
    jailed = jq.probe("jail", "ptrace")
    assert jailed["ptrace"] == jailed["process_vm_readv"] == "Operation not permitted"


def test_processes_of_the_reference_are_seen_from_its_pid_namespace(
    jq: Context, containers
) -> None:
    box = plain_container(ensure_agent_image(), pid_mode=f"container:{jq.reference.container.id}")
    containers.append(box)
    result = probe_in_container(box, "procs", jq.params("procs", "agent"), "1000")
    assert judge_visible(result).leaked
    assert not judge_visible(jq.probe("agent", "procs")).leaked


def test_a_network_is_seen(containers) -> None:
    box = plain_container(ensure_agent_image(), network_mode="host")
    containers.append(box)
    interfaces_only = {"tcp": [], "udp": [], "dns": []}
    assert judge_tcp(probe_in_container(box, "net", interfaces_only, "1000")).leaked
    assert NET["tcp"]  # the real probe does try addresses


def test_a_mounted_docker_socket_is_seen(containers) -> None:
    socket = {"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "ro"}}
    box = plain_container(ensure_agent_image(), volumes=socket)
    containers.append(box)
    verdict = judge_docker(probe_in_container(box, "docker", {"paths": list(socket)}, "1000"))
    assert verdict.leaked and "/var/run/docker.sock" in verdict.evidence


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


def test_the_reference_is_found_where_it_is_not_masked(jq: Context, containers) -> None:
    box = plain_container(jq.image.tag, user="0")
    containers.append(box)
    verdict = judge_leftovers(
        jq, probe_in_container(box, "leftovers", jq.params("leftovers", "agent"), "0")
    )
    assert verdict.leaked and "/usr/bin/jq" in verdict.evidence


def test_gnu_sed_in_the_agent_image_is_found_without_its_mask(containers) -> None:
    with target_context(get_target("sed")) as sed:
        box = plain_container(ensure_agent_image())
        containers.append(box)
        result = probe_in_container(box, "leftovers", sed.params("leftovers", "agent"), "1000")
        verdict = judge_leftovers(sed, result)
        assert verdict.leaked and "/usr/bin/sed" in verdict.evidence
        assert not judge_leftovers(sed, sed.probe("agent", "leftovers")).leaked


def test_a_writable_root_is_seen(containers) -> None:
    box = plain_container(ensure_agent_image(), user="0")
    containers.append(box)
    result = probe_in_container(box, "writes", {"dirs": ["/", "/etc"], "files": []}, "0")
    assert judge_writes(result, ["/case"]).leaked


def test_probe_files_never_hold_a_searched_string(jq: Context) -> None:
    source = render("search", jq.params("search", "agent"))
    assert all(text not in source for text in jq.secrets.strings())
