"""The memorization screen on Debian source packages (fetched in a build box, so Docker):
extraction from jq's source at the built version, the scripted mockllm screens of jq, numfmt
and colt, and `mirror report` joining the flags with agent receipts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from mirror.cli.main import main
from mirror.memorization.extract import functions, sample
from mirror.memorization.screen import read_records
from mirror.memorization.sources import cache_root, load_source_spec, target_source
from mirror.specs.targets import get_target

pytestmark = pytest.mark.docker


def test_jq_functions_are_real_functions_of_its_own_files() -> None:
    target = get_target("jq")
    source = target_source(target)
    manifest = source.manifest
    assert manifest.origin == "debian" and manifest.name == "jq"
    assert manifest.version.startswith("1.6-") and any(n.endswith(".dsc") for n in manifest.sha256)
    spec = load_source_spec(target)
    assert source.files and all(path.startswith("src/") for path in source.files)
    assert not set(spec.exclude) & set(source.files)  # no dtoa, no generated parser or lexer
    found = functions(source)
    names = {function.name for function in found}
    assert {"jv_array_get", "jv_object_set", "jq_next"} & names
    drawn = sample(found, 30, seed=7)
    assert len(drawn) == 30 and drawn == sample(found, 30, seed=7)
    folder = cache_root() / "targets" / "jq" / manifest.requested
    for function in drawn:
        content = (folder / function.path).read_bytes()  # the file as fetched, on disk
        assert content[function.start : function.end] == function.body.encode()
        assert function.body.startswith("{") and function.body.endswith("}")
        lines = content.decode().splitlines(keepends=True)
        assert function.context == "".join(lines[max(0, function.line - 21) : function.line - 1])


def _memorize(results: Path, script: str) -> dict[str, dict[str, object]]:
    arguments = ["memorize", "--model", "mockllm/model", "--targets", "jq,numfmt,colt"]
    arguments += ["--functions", "8", "--cutoff", "2026-03", "--script", script]
    result = CliRunner().invoke(main, [*arguments, "--results", str(results)])
    assert result.exit_code == 0, result.output
    return {record.target: json.loads(record.model_dump_json()) for record in read_records(results)}


def test_scripted_models_are_flagged_where_they_recite(tmp_path: Path) -> None:
    reciter = _memorize(tmp_path / "memorizer", "memorizer")
    assert reciter["jq"]["memorized"] and reciter["numfmt"]["memorized"]
    assert not reciter["colt"]["memorized"] and reciter["colt"]["original"]
    assert reciter["jq"]["similarity"] == 1.0
    unrelated = _memorize(tmp_path / "unrelated", "unrelated")
    assert not any(record["memorized"] for record in unrelated.values())
    only_jq = _memorize(tmp_path / "only-jq", "memorizer:jq")
    assert only_jq["jq"]["memorized"] and not only_jq["numfmt"]["memorized"]
    assert only_jq["jq"]["source"]["origin"] == "debian"


def _agent_receipt(folder: Path, target: str, model: str, run: int, solved: bool) -> None:
    passed, total = (10, 10) if solved else (3, 10)
    receipt = {
        "format": 1,
        "run_id": f"{target}-{run}",
        "target": target,
        "candidate": model,
        "kind": "agent",
        "suite": "heldout",
        "passed": passed,
        "total": total,
        "pass_fraction": passed / total,
        "solved_99": solved,
        "solved_100": solved,
        "build": {"status": "ok", "log": ""},
        "created_at": datetime.now(UTC).isoformat(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{target}-{run}.receipt.json").write_text(json.dumps(receipt))


def test_report_joins_the_screen_with_agent_runs(tmp_path: Path) -> None:
    results = tmp_path / "results"
    _memorize(results, "memorizer:jq")
    for run, (target, solved) in enumerate([("jq", True), ("jq", True), ("numfmt", False)]):
        _agent_receipt(results / "runs", target, "mockllm/model", run, solved)
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["report", "--results", str(results), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "memorization_screen.png").stat().st_size > 10_000
    summary = (out / "summary.md").read_text()
    assert "## Memorization x solved" in summary and "## Memorization screen" in summary
    # jq memorized and solved, numfmt neither: the 2x2 is [[1, 0], [0, 1]].
    assert "| mockllm/model | 1 | 0 | 0 | 1 |" in summary
    assert "| mockllm/model | 2/2 = 100%" in summary
