"""Target specs: the real ones load, malformed ones say file, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.specs.targets import SpecError, all_targets, load_target

GOOD = """
name = "demo"
description = "A demo."
command = "demo"
binary = "/usr/bin/demo"
bucket = "S"
category = "text"
languages = ["python", "c"]
[packages]
debian = ["demo"]
"""


def write_spec(tmp_path: Path, text: str, folder: str = "demo") -> Path:
    path = tmp_path / folder / "target.toml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def test_first_targets_load() -> None:
    targets = all_targets()
    assert {"cal", "numfmt", "jq"} <= set(targets)
    assert targets["cal"].command == "cal" and targets["jq"].binary == "/usr/bin/jq"


def test_good_spec(tmp_path: Path) -> None:
    target = load_target(write_spec(tmp_path, GOOD))
    assert target.bucket.value == "S" and target.packages.debian == ["demo"]


@pytest.mark.parametrize(
    ("change", "field", "hint"),
    [
        (('bucket = "S"', 'bucket = "XL"'), "bucket", "'S', 'M' or 'L'"),
        (('binary = "/usr/bin/demo"', 'binary = "usr/bin/demo"'), "binary", "pattern"),
        (('languages = ["python", "c"]', 'languages = ["cobol"]'), "languages.0", "python"),
        (('debian = ["demo"]', "debian = []"), "packages.debian", "at least 1"),
        (('category = "text"', 'category = "text"\ncolour = "red"'), "colour", "not permitted"),
        (('command = "demo"\n', ""), "command", "required"),
    ],
)
def test_malformed_spec_names_file_field_and_fix(
    tmp_path: Path, change: tuple[str, str], field: str, hint: str
) -> None:
    path = write_spec(tmp_path, GOOD.replace(*change))
    with pytest.raises(SpecError) as error:
        load_target(path)
    message = str(error.value)
    assert str(path) in message and f"field '{field}'" in message and hint in message


def test_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not valid TOML"):
        load_target(write_spec(tmp_path, "name = "))


def test_name_must_match_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="folder name 'other'"):
        load_target(write_spec(tmp_path, GOOD, folder="other"))


def test_heldout_minimum_defaults_and_is_set_per_target(tmp_path: Path) -> None:
    assert load_target(write_spec(tmp_path, GOOD)).heldout_min == 300
    targets = all_targets()
    assert targets["jq"].heldout_min == targets["sed"].heldout_min == 1000
    (tmp_path / "zero").mkdir()
    path = write_spec(tmp_path / "zero", GOOD.replace("[packages]", "heldout_min = 0\n[packages]"))
    with pytest.raises(SpecError, match="field 'heldout_min': Input should be greater"):
        load_target(path)


def test_only_fields_that_shape_the_image_change_its_digest(tmp_path: Path) -> None:
    path = write_spec(tmp_path, GOOD)
    digest = load_target(path).spec_digest
    harness_only = GOOD.replace("A demo.", "Another.").replace("[pack", "heldout_min = 9\n[pack")
    path.write_text("# a comment\n" + harness_only)
    assert load_target(path).spec_digest == digest
    path.write_text(GOOD.replace('debian = ["demo"]', 'debian = ["demo", "extra"]'))
    assert load_target(path).spec_digest != digest
