"""The cprepro target (GCC 12's cpp): its cases avoid what varies between runs, its agent and
scoring boxes hide GCC's own preprocessor while Python, Go and Rust still build, and its
reference box preprocesses with the system headers and writes -o files."""

from __future__ import annotations

import os
import re
from contextlib import ExitStack
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.boxes.agent_image import AGENT_UID, hidden_paths
from mirror.boxes.containers import agent_box
from mirror.boxes.task import write_task
from mirror.redteam.context import Context
from mirror.redteam.judges import judge_leftovers
from mirror.redteam.protected import Reference, ReferenceFile
from mirror.specs.generators import any_case
from mirror.specs.targets import get_target
from mirror.suites.store import visible_path
from oracle.case import Case

CC1 = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"
# The clock and file times (__DATE__, __TIME__, __TIMESTAMP__), and options printing the box's
# paths or timings.
UNSTABLE = re.compile(rb"__(DATE|TIME|TIMESTAMP)__|^-(v|Q|ftime-report|fverbose-asm)$")


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("cprepro"))
def test_generated_cases_avoid_what_varies_between_runs(case: Case) -> None:
    assert not any(UNSTABLE.search(data) for data in case.files.values())
    assert not UNSTABLE.search(case.stdin)
    assert not any(UNSTABLE.search(arg.encode()) for arg in case.args)


def test_the_spec_masks_gccs_preprocessor_and_leaves_c_out() -> None:
    target = get_target("cprepro")
    assert target.bucket == "M" and target.heldout_min >= 1000
    assert sorted(target.languages) == ["go", "python", "rust"]
    assert CC1 in target.hide and not target.hide_source_libraries
    assert target.pack.files == [CC1] and "COMPILER_PATH" in target.pack.env
    assert [(rival.name, rival.args) for rival in target.rivals] == [("tcc", ["-E"])]


def test_a_target_without_docs_gets_a_task_folder_with_an_empty_docs_folder(
    tmp_path: Path,
) -> None:
    """Its reference image has no docs folder to read (reading one failed with a 404)."""
    target = get_target("cprepro")
    assert not target.docs.man and not target.docs.files
    task = write_task(target, tmp_path / "task")
    assert list((task / "docs").iterdir()) == []
    assert "/work/bin/cpp" in (task / "TASK.md").read_text()
    assert (task / "tests" / "visible.jsonl").read_bytes() == visible_path(target).read_bytes()


@pytest.mark.docker
def test_the_reference_box_preprocesses_with_system_headers_and_writes_files(box_factory) -> None:
    source = b"#include <stddef.h>\n#define S(x) #x\n#define XS(x) S(x)\n"
    source += b"XS(__FILE__) offsetof(T, m)\n"
    source += b'#warning "w"\n'
    client = box_factory("cprepro").client()
    outcome = client.run(Case(args=("-P", "-o", "out.i", "m.c"), files={"m.c": source}))
    assert outcome.exit_code == 0 and outcome.stdout == b""
    assert outcome.stderr.startswith(b'm.c:5:2: warning: #warning "w" [-Wcpp]\n')
    assert outcome.files["out.i"].endswith(b'"\\"m.c\\"" __builtin_offsetof (T, m)\n')
    missing = client.run(Case(args=("-P", "nosuch.c")))
    assert missing.exit_code == 1
    assert missing.stderr.startswith(b"cc1: fatal error: nosuch.c: No such file or directory")


@pytest.mark.docker
@pytest.mark.slow
def test_an_agent_box_hides_cpp_while_python_go_and_rust_build(tmp_path: Path) -> None:
    """cc1 and the cpp driver are masked; gcc-12's runtime libraries are not, so cargo links
    through cc (collect2, ld and the LTO plugin, no cc1) and Go builds without cgo."""
    target = get_target("cprepro")
    hidden = hidden_paths(target)
    assert CC1 in hidden and "/usr/bin/cpp" in hidden
    assert not [path for path in hidden if "libgcc_s" in path or "libstdc++" in path]
    work = tmp_path / "work"
    (work / "rs" / "src").mkdir(parents=True)
    (work / "rs" / "Cargo.toml").write_text(
        '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (work / "rs" / "src" / "main.rs").write_text('fn main() { println!("rust ok"); }\n')
    (work / "go").mkdir()
    (work / "go" / "go.mod").write_text("module hello\n\ngo 1.19\n")
    (work / "go" / "main.go").write_text(
        'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("go ok") }\n'
    )
    for path in [work, *work.rglob("*")]:
        os.chown(path, AGENT_UID, AGENT_UID)
    (tmp_path / "task").mkdir()
    (tmp_path / "sock").mkdir()
    probe = (
        "echo '#define X 1' > /tmp/x.c; "
        "cpp /tmp/x.c && echo 'cpp RAN'; gcc -E /tmp/x.c && echo 'gcc -E RAN'; "
        f"wc -c < {CC1}; "
        "set -e; (cd rs && cargo build --offline -q) && rs/target/debug/hello; "
        "(cd go && go build -o hello .) && go/hello; python3 -c 'print(\"python ok\")'"
    )
    with agent_box(target, tmp_path / "task", work, tmp_path / "sock") as box:
        result = box.exec_run(["timeout", "300", "sh", "-c", probe])
    output = result.output.decode()
    assert result.exit_code == 0, output
    assert "RAN" not in output and re.search(r"^0$", output, re.MULTILINE)  # cc1: 0 bytes
    assert "rust ok" in output and "go ok" in output and "python ok" in output


def test_gcc_runtime_libraries_left_usable_by_the_spec_are_no_leak(tmp_path: Path) -> None:
    """The red team's leftover scan finds gcc-12's libgcc_s in the agent image: a leak for a
    target that masks its source package's libraries, not for cprepro, whose spec keeps them."""
    binary = ReferenceFile("/usr/bin/x86_64-linux-gnu-cpp-12", 1301496, "ab" * 32, True, False)
    result = {
        "matches": [],
        "debs": [],
        "hashed": 3,
        "masked": {CC1: 0},
        "libraries": ["/lib/x86_64-linux-gnu/libgcc_s.so.1"],
    }
    verdicts = []
    for spec in (
        get_target("cprepro"),
        get_target("cprepro").model_copy(update={"hide_source_libraries": True}),
    ):
        with ExitStack() as stack:
            context = Context(spec, tmp_path, stack)
            context.parts = Reference([binary], ["gcc-12"], ["cpp-12"])
            verdicts.append(judge_leftovers(context, result))
    kept, masked = verdicts
    assert not kept.leaked and "1 of its libraries usable, as its spec says" in kept.evidence
    assert masked.leaked and "libgcc_s.so.1" in masked.evidence
