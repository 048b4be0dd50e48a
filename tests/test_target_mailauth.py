"""The mailauth target: mailauth from npm bundled into a launcher, so no JavaScript of it is a file
the program (or the agent) can read; its cases never show the clock or the host name; the
reference box runs it offline from the case's DNS file."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case, generators_module
from mirror.specs.targets import get_target
from oracle.case import Case

MESSAGE = (
    b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Hi\r\n"
    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello.\r\n"
)


def option(case: Case, *names: str) -> str | None:
    """The value after the first of ``names`` in the case's arguments."""
    for index, arg in enumerate(case.args[:-1]):
        if arg in names:
            return case.args[index + 1]
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("mailauth"))
def test_generated_cases_pin_the_clock_the_host_name_and_the_dns(case: Case) -> None:
    command = case.args[0] if case.args else ""
    if command in ("sign", "seal") and "--help" not in case.args and option(case, "-k"):
        time = option(case, "-t", "--time")
        assert time and int(time) > 0  # 0 (or none) signs with the current time
    if command in ("report", "seal", "spf") or command.endswith(".eml"):
        assert option(case, "--mta", "-m")  # its default is the box's host name
        assert option(case, "--dns-cache", "-n")  # else mailauth asks a resolver
    if command in ("report", "seal", "spf") and "--help" in case.args:
        pytest.fail("report/seal/spf --help shows the host name")
    records = json.loads(case.files.get("dns.json", b"{}"))
    assert "%{t}" not in json.dumps(records)


def test_the_spec_pins_mailauth_on_debian_node() -> None:
    target = get_target("mailauth")
    assert target.packages.debian == ["nodejs"]
    assert target.packages.npm[0] == "mailauth@4.4.2" and target.heldout_min >= 1000
    assert target.build and target.build.sources == ["launcher.c", "redirect.c"]
    assert target.sandbox.execute[0] == "/usr/local/lib/mailauth/node"


@pytest.mark.docker
@pytest.mark.slow
def test_the_reference_signs_offline_and_no_file_holds_its_javascript(box_factory) -> None:
    box = box_factory("mailauth")
    assert "mailauth@4.4.2" in box.image.manifest["registries"]["npm"]
    files = {"m.eml": MESSAGE, "k.pem": generators_module("mailauth").KEYS["rsa1"].encode()}
    args = ("sign", "m.eml", "-d", "example.com", "-s", "s1", "-k", "k.pem", "-t", "1700000000")
    signed = box.client().run(Case(args=(*args, "-o"), files=files, timeout=30))
    assert signed.exit_code == 0 and signed.stdout.startswith(b"DKIM-Signature: v=1; a=rsa-sha256")
    assert b"t=1700000000" in signed.stdout
    # No readable file in the box holds the bundle's code (markers from redteam.toml); the
    # launcher holding it is mode 0711.
    container = box.container
    search = ["grep", "-rlsF", "-e", "getSigningHeaderLines", "/usr", "/etc", "/opt", "/case"]
    assert container.exec_run(search, user="61000").output == b""
    mode = container.exec_run(["stat", "-c", "%a", "/usr/local/bin/mailauth"]).output.strip()
    assert mode == b"711"
    # NODE_OPTIONS could ask for a heap snapshot, which would hold the script's text.
    options = "--heapsnapshot-near-heap-limit=1 --max-old-space-size=16"
    outcome = box.client().run(
        Case(args=args, files=files, env={"NODE_OPTIONS": options}, timeout=30)
    )
    assert outcome.exit_code == 0 and not outcome.files
