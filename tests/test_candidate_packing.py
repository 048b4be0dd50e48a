"""Packing a Debian program into a calibration workspace: a rival's leading arguments, and the
files and environment a reference needs beyond its binary (a spec's ``[pack]``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mirror.boxes.images import ensure_base_image
from mirror.scoring.candidates import _pack_program
from mirror.specs.targets import SpecError, load_target

SPEC = """
name = "demo"
description = "A demo."
command = "demo"
binary = "/usr/bin/demo"
bucket = "S"
category = "text"
languages = ["python"]
hide_source_libraries = false
[packages]
debian = ["demo"]
[pack]
files = ["/etc/debian_version"]
env = { DEMO_HOME = "{root}/etc", DEMO_TEXT = 'a "$b" `c` \\\\' }
[[rivals]]
name = "other"
packages = ["other"]
program = "/usr/bin/other"
args = ["-E", "two words"]
"""


def spec(tmp_path: Path, text: str = SPEC):
    path = tmp_path / "demo" / "target.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return load_target(path)


def test_pack_rival_args_and_library_masking_are_spec_fields(tmp_path: Path) -> None:
    target = spec(tmp_path)
    assert target.pack.files == ["/etc/debian_version"]
    assert target.pack.env["DEMO_HOME"] == "{root}/etc"
    assert target.rivals[0].args == ["-E", "two words"]
    assert not target.hide_source_libraries
    plain = SPEC.split("hide_source_libraries")[0] + '[packages]\ndebian = ["demo"]\n'
    default = spec(tmp_path, plain)
    assert default.hide_source_libraries and default.pack.files == [] and not default.pack.env
    with pytest.raises(SpecError, match=r"field 'pack.env.bad name.\[key\]': String should match"):
        spec(tmp_path, SPEC.replace("DEMO_HOME", '"bad name"'))
    # Lowercase names are names too: a Cabal-built program reads <package>_datadir.
    assert "demo_datadir" in spec(tmp_path, SPEC.replace("DEMO_HOME", "demo_datadir")).pack.env


@pytest.mark.docker
def test_a_packed_program_gets_its_files_environment_and_leading_arguments(
    tmp_path: Path,
) -> None:
    target = spec(tmp_path)
    workspace = tmp_path / "ws"
    _pack_program(
        ensure_base_image(), "/usr/bin/env", "env", workspace, args=["A=1 2"], pack=target.pack
    )
    copied = workspace / "root" / "etc" / "debian_version"
    assert copied.read_text().startswith("12.")  # the base image's bookworm point release
    result = subprocess.run(
        [workspace / "bin" / "env", "B=3"], capture_output=True, text=True, timeout=30
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    # The environment first, then the leading argument, then the case's own: env prints in
    # the order it set them, after the inherited variables.
    assert lines[-2:] == ["A=1 2", "B=3"]
    home = next(line for line in lines if line.startswith("DEMO_HOME="))
    assert Path(home.removeprefix("DEMO_HOME=")).resolve() == copied.parent.resolve()
    assert f"DEMO_TEXT={target.pack.env['DEMO_TEXT']}" in lines  # quotes, $, ` and \\ as given
