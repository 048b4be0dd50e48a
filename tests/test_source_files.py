"""The boxes' one definition of the files built from a reference's source package
(``mirror/boxes/programs/source_files.py``), run with each image's own python3."""

from __future__ import annotations

import json

import pytest

from mirror.boxes.agent_image import ensure_agent_image, hidden_paths
from mirror.boxes.engine import engine
from mirror.boxes.images import MANIFEST, ensure_base_image, ensure_reference_image
from mirror.boxes.programs import (
    SourceFiles,
    SourceFilesError,
    parse_source_files,
    source_files_command,
)
from mirror.specs.targets import get_target

pytestmark = pytest.mark.docker

LIBUUID = "/lib/x86_64-linux-gnu/libuuid.so.1"
LIMIT = 120  # seconds any one program run may take on a busy machine


def run_in(image: str, command: list[str]) -> tuple[int, bytes]:
    """Exit status and output of ``command`` in a throwaway box of ``image``, time-limited."""
    container = engine().containers.create(image, command, network_mode="none", user="0")
    try:
        container.start()
        status = container.wait(timeout=LIMIT)["StatusCode"]
        return status, container.logs()
    finally:
        container.remove(force=True)


def facts_in(image: str, **options) -> SourceFiles:
    status, output = run_in(image, source_files_command(**options))
    assert status == 0, output.decode(errors="replace")
    return parse_source_files(output)


def test_every_image_it_runs_in_has_python3() -> None:
    # The base image installs python3; the reference and agent images are built on it.
    for image in (ensure_base_image(), ensure_agent_image()):
        assert run_in(image, ["python3", "-c", "import sys; print(sys.version_info[0])"]) == (
            0,
            b"3\n",
        )


def test_a_reference_s_manifest_is_what_the_program_reports() -> None:
    target = get_target("uuidparse")
    image = ensure_reference_image(target)
    status, written = run_in(image.tag, ["cat", MANIFEST])
    assert status == 0
    recorded = {k: v for k, v in image.manifest.items() if k not in ("image_id", "target")}
    assert json.loads(written) | {"spec_sha256": target.spec_digest} == recorded
    found = facts_in(image.tag, binary=target.binary, versions=target.packages.debian)
    assert found.binary is not None and not found.binary.static
    assert found.binary.sha256 == image.manifest["binary_sha256"]
    assert found.source_package == image.manifest["source_package"] == "util-linux"
    # libuuid is util-linux's own code, loaded by the binary: in the manifest as loaded and as
    # its realpath; libc is shared, so it is neither private nor in the manifest.
    files = {f.path: f for f in found.files}
    assert files[LIBUUID].linked and files[LIBUUID].private
    assert {LIBUUID, files[LIBUUID].realpath} <= set(image.manifest["libraries"])
    libc = files["/lib/x86_64-linux-gnu/libc.so.6"]
    assert libc.linked and not libc.private and libc.source == "glibc"
    assert not any("libc.so" in path for path in image.manifest["libraries"])
    assert found.versions == image.manifest["packages"]
    assert run_in(image.tag, ["stat", "-c", "%a", found.binary.realpath]) == (0, b"711\n")


def test_a_source_package_alone_names_its_libraries_where_the_binary_is_absent() -> None:
    # The agent image holds util-linux's libraries but not uuid-runtime's uuidparse.
    found = facts_in(
        ensure_agent_image(), source="util-linux", paths=["/usr/bin/uuidparse", LIBUUID]
    )
    assert found.binary is None and found.source_package == "util-linux"
    assert {"libuuid1", "util-linux"} <= set(found.packages)
    assert "/usr/lib/x86_64-linux-gnu/libuuid.so.1" in found.source_libraries
    exists = {f.path: f.exists for f in found.files}
    assert exists == {"/usr/bin/uuidparse": False, LIBUUID: True}
    assert set(hidden_paths(get_target("uuidparse"))) >= set(found.source_libraries)


def test_a_static_binary_loads_nothing() -> None:
    # Debian's ldconfig is linked statically.
    found = facts_in(ensure_agent_image(), binary="/sbin/ldconfig")
    assert found.binary is not None and found.binary.static
    assert found.linked == () and found.source_package == "glibc"
    assert [f.path for f in found.files] == ["/sbin/ldconfig"] and found.files[0].private


def test_a_missing_binary_or_no_question_is_an_error_not_a_record() -> None:
    image = ensure_agent_image()
    status, output = run_in(image, source_files_command(binary="/no/such/binary"))
    assert status != 0 and b"cannot read the binary /no/such/binary" in output
    with pytest.raises(SourceFilesError, match="no result"):
        parse_source_files(output)
    status, output = run_in(image, source_files_command())
    assert status == 2 and b"give --binary, --source or --paths" in output
