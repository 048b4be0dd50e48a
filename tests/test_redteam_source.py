"""The red-team file's [source]: where a bundled script's code would be and the strings only it
holds; the attacks that use it apply only to targets that set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.redteam.registry import ATTACKS
from mirror.redteam.spec import load_redteam
from mirror.specs.targets import SpecError

SOURCE = """
[[readers]]
how = "tool cat"
args = ["cat", "{path}"]

[source]
paths = ["/usr/lib/node_modules/tool/index.js"]
markers = ["function onlyTheToolHasThis"]
"""


def test_source_is_read_with_its_paths_and_markers(tmp_path: Path) -> None:
    path = tmp_path / "redteam.toml"
    path.write_text(SOURCE)
    spec = load_redteam(path)
    assert spec.source and spec.source.markers == ["function onlyTheToolHasThis"]
    assert spec.source.paths == ["/usr/lib/node_modules/tool/index.js"]
    wanted = {"read the reference's source files", "the reference's source at rest"}
    applying = {a.name.split(" (")[0] for a in ATTACKS.values() if a.applies(spec)}
    assert wanted <= applying
    assert not any(
        a.applies(load_redteam(tmp_path / "none.toml"))
        for a in ATTACKS.values()
        if "source" in a.needs
    )


def test_source_without_markers_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "redteam.toml"
    path.write_text('[source]\npaths = ["/x.js"]\n')
    with pytest.raises(SpecError, match=r"field 'source.markers': required; add it"):
        load_redteam(path)
