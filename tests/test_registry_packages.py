"""PyPI and npm packages in target specs: pinned to one exact version or refused with the
file, the field and the fix; they shape the image digest only where a spec uses them; the build
step installs them with clients that leave no trace in the image; a source.toml takes the
program's own code from the registry at the version the target pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.boxes.images import NPM_CLIENT, PIP_CLIENT, registry_clients, registry_step
from mirror.memorization.sources import SourceSpecError, load_source_spec, target_source
from mirror.specs.targets import SpecError, Target, load_target

SPEC = """
name = "demo"
description = "A demo."
command = "demo"
binary = "/usr/local/bin/demo"
bucket = "S"
category = "text"
languages = ["python"]
[packages]
debian = ["nodejs"]
"""


def load(tmp_path: Path, packages: str) -> Path:
    path = tmp_path / "demo" / "target.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(SPEC + packages)
    return path


@pytest.mark.parametrize(
    "packages",
    [
        'pypi = ["ruff==0.17.6"]',
        'pypi = ["zope.interface==7.2", "typing_extensions==4.12.2"]',
        'npm = ["mailauth@4.8.6"]',
        'npm = ["@postalsys/vmc@1.1.2", "mailauth@4.8.6"]',
    ],
)
def test_pinned_packages_load(tmp_path: Path, packages: str) -> None:
    target = load_target(load(tmp_path, packages))
    assert [*target.packages.pypi, *target.packages.npm] == packages.split('"')[1::2]


@pytest.mark.parametrize(
    ("packages", "field", "example"),
    [
        ('pypi = ["ruff"]', "packages.pypi.0", "name==1.2.3"),
        ('pypi = ["ruff>=0.17"]', "packages.pypi.0", "name==1.2.3"),
        ('pypi = ["ruff==0.17.*"]', "packages.pypi.0", "name==1.2.3"),
        ('pypi = ["black==24.1.0", "ruff~=0.17.6"]', "packages.pypi.1", "name==1.2.3"),
        ('npm = ["mailauth"]', "packages.npm.0", "name@1.2.3"),
        ('npm = ["mailauth@^4.8.6"]', "packages.npm.0", "name@1.2.3"),
        ('npm = ["mailauth@latest"]', "packages.npm.0", "name@1.2.3"),
        ('npm = ["mailauth==4.8.6"]', "packages.npm.0", "name@1.2.3"),
    ],
)
def test_an_unpinned_package_names_file_field_and_fix(
    tmp_path: Path, packages: str, field: str, example: str
) -> None:
    path = load(tmp_path, packages)
    with pytest.raises(SpecError) as error:
        load_target(path)
    message = str(error.value)
    assert str(path) in message and f"field '{field}'" in message
    assert f"must name one exact version, like '{example}'; pin it" in message


def test_registry_packages_shape_the_image_digest(tmp_path: Path) -> None:
    plain = load_target(load(tmp_path, "")).spec_digest
    assert load_target(load(tmp_path, "npm = []")).spec_digest == plain
    with_npm = load_target(load(tmp_path, 'npm = ["mailauth@4.8.6"]')).spec_digest
    other_npm = load_target(load(tmp_path, 'npm = ["mailauth@4.8.5"]')).spec_digest
    with_pypi = load_target(load(tmp_path, 'pypi = ["ruff==0.17.6"]')).spec_digest
    assert len({plain, with_npm, other_npm, with_pypi}) == 4


def test_the_build_step_installs_records_and_removes_its_clients(tmp_path: Path) -> None:
    assert registry_clients(load_target(load(tmp_path, ""))) == []
    target = load_target(load(tmp_path, 'pypi = ["ruff==0.17.6"]\nnpm = ["mailauth@4.8.6"]'))
    clients = registry_clients(target)
    assert clients == [PIP_CLIENT, NPM_CLIENT]
    script = registry_step(target, clients)
    assert "--no-deps" in script and "ruff==0.17.6" in script and "mailauth@4.8.6" in script
    assert script.rstrip().splitlines()[-2].endswith(f"{PIP_CLIENT} {NPM_CLIENT}")


def source_spec(tmp_path: Path, packages: str, source: str) -> Target:
    target = load_target(load(tmp_path, packages))
    (target.folder / "source.toml").write_text(source)
    return target


REGISTRY_SOURCE = """language = "rust"
include = ["crates/*.rs"]
[registry]
registry = "pypi"
package = "demo-tool"
"""


def test_a_registry_source_must_name_a_pinned_package(tmp_path: Path) -> None:
    target = source_spec(tmp_path, 'pypi = ["other==1.0.0"]', REGISTRY_SOURCE)
    assert load_source_spec(target).registry
    with pytest.raises(SourceSpecError) as error:
        target_source(target)
    message = str(error.value)
    assert "field 'registry.package': 'demo-tool' is not in packages.pypi" in message
    assert str(target.folder / "source.toml") in message


def test_a_source_has_one_origin(tmp_path: Path) -> None:
    both = REGISTRY_SOURCE + '[debian]\nsource = "demo"\npackage = "demo"\n'
    target = source_spec(tmp_path, 'pypi = ["demo-tool==1.0.0"]', both)
    with pytest.raises(SourceSpecError, match="set one of \\[debian\\] and \\[registry\\]"):
        load_source_spec(target)
