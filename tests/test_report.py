"""Receipts -> table -> statistics -> figures, on synthetic receipts written to tmp_path."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from mirror.cli.report import report_command
from mirror.reports.report import ReportError, write_report
from mirror.reports.stats import memorization_tests, solve_rates, speed_accuracy, wilson_interval
from mirror.scoring.receipts import (
    RECEIPT_FORMAT,
    load_results,
    project_revision,
    read_receipt,
    workspace_digest,
)
from mirror.specs.targets import all_targets

NO_TARGETS: dict[str, Any] = {}


def receipt(run_id: str, **fields: Any) -> dict[str, Any]:
    passed = fields.pop("passed", 10)
    total = fields.pop("total", 10)
    return {
        "format": RECEIPT_FORMAT,
        "run_id": run_id,
        "target": "cal",
        "candidate": "gojq",
        "kind": "calibration",
        "suite": "sha256:0",
        "passed": passed,
        "total": total,
        "pass_fraction": passed / total if total else 0.0,
        "solved_99": total > 0 and passed / total >= 0.99,
        "solved_100": total > 0 and passed == total,
        "build": {"status": "ok", "log": f"{run_id}.build.log"},
        "created_at": "2026-11-22T10:00:00Z",
        "cases": f"{run_id}.cases.jsonl",
        "images": {"reference": "mirror/ref-cal:0123456789abcdef", "agent": "mirror/agent:0"},
        "revision": {"commit": "0" * 40, "dirty": False},
        "workspace": "sha256:" + "0" * 64,
        **fields,
    }


PROVENANCE = ("cases", "images", "revision", "workspace")


def format_1(data: dict[str, Any]) -> dict[str, Any]:
    """A receipt as the first version wrote it: no provenance."""
    return {**{k: v for k, v in data.items() if k not in PROVENANCE}, "format": 1}


def write(folder: Path, data: dict[str, Any] | str, name: str | None = None) -> Path:
    path = folder / (name or f"{data['run_id']}.receipt.json")  # type: ignore[index]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_counts_and_rates(tmp_path: Path) -> None:
    for i, passed in enumerate([10, 10, 10, 9]):
        write(tmp_path / "deep" / "er", receipt(f"a{i}", candidate="a", passed=passed))
    write(tmp_path, receipt("b0", candidate="b", passed=995, total=1000))
    write(tmp_path, receipt("b1", candidate="b", passed=10))
    (tmp_path / "notes.json").write_text("{}")  # not a receipt by name: ignored, not skipped

    table, skipped = load_results(tmp_path, NO_TARGETS)
    assert skipped == []
    assert len(table) == 6
    assert set(table["bucket"].astype(str)) == {"?"}

    rates = solve_rates(table).set_index("candidate")
    assert rates.loc["a", ["n", "solved_100", "solved_99"]].tolist() == [4, 3, 3]
    assert rates.loc["a", "rate_100"] == 0.75
    assert (rates.loc["a", "low_100"], rates.loc["a", "high_100"]) == wilson_interval(3, 4)
    assert rates.loc["b", ["n", "solved_100", "solved_99"]].tolist() == [2, 1, 2]
    assert rates.loc["b", "rate_99"] == 1.0
    assert rates.loc["b", "best_pass"] == 1.0
    assert rates.loc["a", "mean_pass"] == pytest.approx(0.975)


def test_bucket_and_category_come_from_target_specs(tmp_path: Path) -> None:
    specs = all_targets()
    name = next(iter(specs))
    write(tmp_path, receipt("r1", target=name))
    write(tmp_path, receipt("r2", target="no-such-target"))
    table, _ = load_results(tmp_path)
    rows = table.set_index("target")
    assert rows.loc[name, "bucket"] == specs[name].bucket.value
    assert rows.loc[name, "category"] == specs[name].category
    assert rows.loc["no-such-target", "bucket"] == "?"


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    # Reference: scipy.stats.binomtest(k, n).proportion_ci(method="wilson"), to 4 decimals.
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (1, 4, 0.0456, 0.6994)],
)
def test_wilson_against_reference(successes: int, n: int, low: float, high: float) -> None:
    assert wilson_interval(successes, n) == (
        pytest.approx(low, abs=5e-5),
        pytest.approx(high, abs=5e-5),
    )


def test_percentages_never_round_up_to_a_solve(tmp_path: Path) -> None:
    write(tmp_path / "results", receipt("near", passed=9996, total=10000))
    write_report(tmp_path / "results", tmp_path / "out", NO_TARGETS)
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "99.9%" in summary
    assert "100.0%" not in summary


def test_wilson_of_no_runs_is_undefined() -> None:
    assert all(math.isnan(bound) for bound in wilson_interval(0, 0))


def test_fisher_on_the_tea_tasting_table(tmp_path: Path) -> None:
    # Per target: (memorized, solved). Gives the 2x2 [[3, 1], [1, 3]], two-sided p = 34/70.
    verdicts = [(True, True)] * 3 + [(True, False)] + [(False, True)] + [(False, False)] * 3
    for i, (memorized, solved) in enumerate(verdicts):
        for run in range(2):  # two runs a target: the unit is still the target
            write(
                tmp_path,
                receipt(
                    f"t{i}-{run}",
                    target=f"t{i}",
                    kind="agent",
                    candidate="lab/model",
                    passed=10 if solved and run == 0 else 5,
                    memorization={"memorized": memorized},
                ),
            )
    write(tmp_path, receipt("unscreened", kind="agent", candidate="lab/other"))
    table, _ = load_results(tmp_path, NO_TARGETS)

    tests = memorization_tests(table)
    assert tests["candidate"].tolist() == ["lab/model"]
    row = tests.iloc[0]
    cells = ["memorized_solved", "memorized_unsolved", "clean_solved", "clean_unsolved"]
    assert row[cells].tolist() == [3, 1, 1, 3]
    assert row["p_value"] == pytest.approx(34 / 70)
    assert row["odds_ratio"] == pytest.approx(9.0)


def test_speed_accuracy_pairs_human_and_agent(tmp_path: Path) -> None:
    write(tmp_path, receipt("h", kind="human", candidate="alice", wall_seconds=36000, passed=9))
    write(tmp_path, receipt("a1", kind="agent", candidate="m", wall_seconds=6000, passed=8))
    write(tmp_path, receipt("a2", kind="agent", candidate="m", wall_seconds=8400, passed=6))
    write(tmp_path, receipt("lone", target="jq", kind="agent", candidate="m", wall_seconds=10))
    table, _ = load_results(tmp_path, NO_TARGETS)

    pairs = speed_accuracy(table)
    assert len(pairs) == 1  # jq has no human receipt
    pair = pairs.iloc[0]
    assert (pair["target"], pair["model"]) == ("cal", "m")
    assert pair["speedup"] == pytest.approx(36000 / 7200)
    assert pair["human_pass"] == pytest.approx(0.9)
    assert pair["agent_pass"] == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({k: v for k, v in receipt("x").items() if k != "kind"}), "field 'kind'"),
        (json.dumps({**receipt("x"), "passed": 11}), "field 'passed': 11 exceeds total (10)"),
        (json.dumps(receipt("x", format=0)), "format 0"),
        (json.dumps(receipt("x", format=4)), "format 4"),
        (json.dumps({"run_id": "x", "passed": 1}), "field 'format'"),
        (json.dumps(receipt("x", pass_fraction=0.5)), "field 'pass_fraction': 0.5 disagrees"),
        (json.dumps(receipt("x", solved_100=False)), "field 'solved_100': false disagrees"),
        (json.dumps(receipt("x", passed=98, total=100, solved_99=True)), "field 'solved_99'"),
        (json.dumps(receipt("x", passed=0, total=0, solved_100=True)), "field 'solved_100'"),
        (json.dumps(receipt("x", images=None)), "field 'images': required from receipt format 2"),
        (json.dumps({**receipt("x"), "workspace": "sha256:xyz"}), "field 'workspace'"),
        (json.dumps(format_1(receipt("x", pass_fraction=0.9))), "field 'pass_fraction'"),
    ],
)
def test_bad_receipt_is_skipped_with_a_warning_naming_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str, problem: str
) -> None:
    write(tmp_path, receipt("good"))
    bad = write(tmp_path, content, name="sub/bad.receipt.json")
    with caplog.at_level(logging.WARNING, logger="mirror.scoring.receipts"):
        table, skipped = load_results(tmp_path, NO_TARGETS)
    assert table["run_id"].tolist() == ["good"]
    assert [s.path for s in skipped] == [bad]
    assert problem in skipped[0].problem
    assert any(str(bad) in r.getMessage() and problem in r.getMessage() for r in caplog.records)


def test_first_format_receipts_still_read(tmp_path: Path) -> None:
    old = write(tmp_path, format_1(receipt("old", passed=9)))
    write(tmp_path, receipt("new"))
    table, skipped = load_results(tmp_path, NO_TARGETS)
    assert skipped == [] and sorted(table["run_id"]) == ["new", "old"]
    assert read_receipt(old).revision is None
    rows = table.set_index("run_id")
    assert pd.isna(rows.loc["old", "commit"]) and rows.loc["new", "commit"] == "0" * 40


def test_the_99_percent_line_is_exact(tmp_path: Path) -> None:
    for passed, total in [(99, 100), (990, 1000), (1089, 1100), (297, 300)]:
        assert read_receipt(write(tmp_path, receipt("x", passed=passed, total=total))).solved_99
    for passed, total in [(1088, 1100), (98, 99)]:
        assert not read_receipt(write(tmp_path, receipt("x", passed=passed, total=total))).solved_99


def make_tree(folder: Path) -> Path:
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "cal").write_text("#!/bin/sh\necho hi\n")
    (folder / "bin" / "cal").chmod(0o755)
    (folder / "src.c").write_bytes(b"int main;\n")
    (folder / "link").symlink_to("/usr/bin/cal")  # dangling here: never followed
    (folder / "empty").mkdir()
    return folder


def test_workspace_digest_is_over_paths_modes_and_bytes(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "a")
    digest = workspace_digest(tree)
    assert digest.startswith("sha256:") and len(digest) == 7 + 64
    copy = tmp_path / "b"
    shutil.copytree(tree, copy, symlinks=True)
    os.utime(copy / "src.c", (0, 0))
    assert workspace_digest(copy) == digest  # times do not count

    changes = [
        lambda t: (t / "bin" / "cal").chmod(0o644),
        lambda t: (t / "src.c").write_bytes(b"int main;\n "),
        lambda t: (t / "src.c").rename(t / "src2.c"),
        lambda t: (t / "empty").rmdir(),
        lambda t: ((t / "link").unlink(), (t / "link").symlink_to("/usr/bin/ncal")),
        lambda t: (t / "bin" / "x").write_bytes(b""),
    ]
    digests = {digest}
    for i, change in enumerate(changes):
        changed = tmp_path / f"c{i}"
        shutil.copytree(tree, changed, symlinks=True)
        change(changed)
        digests.add(workspace_digest(changed))
    assert len(digests) == len(changes) + 1


def test_workspace_digest_frames_names_and_contents(tmp_path: Path) -> None:
    # Moving bytes between a name and a content must not give the same digest.
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ab").write_bytes(b"c")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "a").write_bytes(b"bc")
    assert workspace_digest(tmp_path / "a") != workspace_digest(tmp_path / "b")


def test_project_revision(tmp_path: Path, repo_root: Path) -> None:
    outside = project_revision(tmp_path)
    assert (outside.commit, outside.dirty) == ("unknown", None)

    def git(*args: str) -> str:
        command = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "f").write_text("1")
    git("add", "f")
    git("commit", "-q", "-m", "one")
    clean = project_revision(tmp_path)
    assert clean.commit == git("rev-parse", "HEAD") and clean.dirty is False
    (tmp_path / "f").write_text("2")
    assert project_revision(tmp_path).dirty is True
    # A folder inside some checkout is not that checkout's root: its revision is unknown.
    (tmp_path / "sub").mkdir()
    assert project_revision(tmp_path / "sub").commit == "unknown"
    assert len(project_revision(repo_root).commit) == 40


def synthetic_results(folder: Path, *, with_tokens: bool) -> int:
    """Three targets x four candidates of every kind; returns the number of good receipts."""
    rng = np.random.default_rng(7)
    count = 0
    for target in ("cal", "numfmt", "jq"):
        for candidate, kind, runs in [
            ("gojq", "calibration", 1),
            ("alice", "human", 1),
            ("lab/model-a", "agent", 3),
            ("lab/model-b", "agent", 3),
        ]:
            for run in range(runs):
                extra: dict[str, Any] = {"wall_seconds": float(rng.uniform(600, 90000))}
                if kind == "agent":
                    extra["memorization"] = {"memorized": bool(rng.random() < 0.5)}
                    if with_tokens:
                        extra |= {"tokens": int(rng.uniform(1e5, 5e6)), "cost_usd": 12.5}
                run_id = f"{target}-{candidate.replace('/', '-')}-{run}"
                passed = int(rng.choice([100, 99, 80, 30]))
                write(
                    folder / kind,
                    receipt(
                        run_id,
                        target=target,
                        candidate=candidate,
                        kind=kind,
                        passed=passed,
                        total=100,
                        **extra,
                    ),
                )
                count += 1
    write(folder, "{", name="broken.receipt.json")
    return count


def assert_real_png(path: Path) -> None:
    assert path.stat().st_size > 20_000
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.shape[0] > 400 and pixels.shape[1] > 400
    assert pixels.std() > 20  # not a blank canvas
    assert (pixels < 250).mean() > 0.03  # more than a few stray marks


def test_report_writes_every_file(tmp_path: Path) -> None:
    count = synthetic_results(tmp_path / "results", with_tokens=True)
    out = tmp_path / "out"
    written = write_report(tmp_path / "results", out, NO_TARGETS)
    names = {path.name for path in written}
    figures = {"solve_rate_heatmap.png", "pass_vs_tokens.png", "speed_accuracy.png"}
    assert names == {"results.csv", "summary.md", *figures}
    assert all(path.parent == out for path in written)

    csv = pd.read_csv(out / "results.csv")
    assert len(csv) == count
    assert {"target", "bucket", "candidate", "pass_fraction", "solved_100", "memorized"} <= set(
        csv.columns
    )

    summary = (out / "summary.md").read_text()
    for heading in ("## Solve rates", "## Speed x accuracy", "## Memorization x solved"):
        assert heading in summary
    assert "broken.receipt.json" in summary
    assert "Wilson 95 %" in summary
    for figure in figures:
        assert_real_png(out / figure)


def test_no_tokens_means_no_compute_figure(tmp_path: Path) -> None:
    synthetic_results(tmp_path / "results", with_tokens=False)
    written = write_report(tmp_path / "results", tmp_path / "out", NO_TARGETS)
    assert "pass_vs_tokens.png" not in {path.name for path in written}
    assert not (tmp_path / "out" / "pass_vs_tokens.png").exists()


def test_a_single_run_still_makes_a_heatmap(tmp_path: Path) -> None:
    write(tmp_path / "results", receipt("only"))
    write_report(tmp_path / "results", tmp_path / "out", NO_TARGETS)
    assert (tmp_path / "out" / "solve_rate_heatmap.png").stat().st_size > 10_000


def test_no_usable_receipts_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "{", name="bad.receipt.json")
    with pytest.raises(ReportError, match="1 skipped"):
        write_report(tmp_path, tmp_path / "out", NO_TARGETS)


def test_cli(tmp_path: Path) -> None:
    synthetic_results(tmp_path / "results", with_tokens=True)
    out = tmp_path / "report"
    args = ["--results", str(tmp_path / "results"), "--out", str(out)]
    strict = CliRunner().invoke(report_command, args)  # synthetic_results holds a broken receipt
    assert strict.exit_code == 1 and "broken.receipt.json" in strict.output
    result = CliRunner().invoke(report_command, [*args, "--skip-malformed"])
    assert result.exit_code == 0, result.output
    assert str(out / "solve_rate_heatmap.png") in result.output

    empty = CliRunner().invoke(report_command, ["--results", str(tmp_path / "none")])
    assert empty.exit_code == 1
    assert "no usable receipts" in empty.output
