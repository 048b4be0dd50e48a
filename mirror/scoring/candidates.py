"""Calibration candidates: workspaces scored like any submission, to show the suite discriminates.

Validity baselines exist for every target (the reference itself, an empty program, a lookup
table of the visible gold, a thief that reaches for the oracle and the reference), each
registered by name with ``@candidate``; independent reimplementations packaged by Debian come
from the ``[[rivals]]`` of a target's spec. Each is materialised as a workspace folder holding
``bin/<command>`` (and ``build.sh`` where it needs one), exactly what an agent would submit.
"""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mirror.boxes.images import (
    base_tag,
    ensure_base_image,
    ensure_packages_image,
    packages_tag,
    run_build_step,
)
from mirror.specs.targets import Pack, Rival, SpecError, Target
from mirror.suites import load_suite, visible_path

Materialise = Callable[[Target, Path], None]


@dataclass(frozen=True)
class Candidate:
    name: str
    materialise: Materialise
    expect: str  # what calibration should show: "100", "0", "<=5", "between"
    recipe: str = ""  # what shapes its workspace beyond the target and this module


CANDIDATES: dict[str, Candidate] = {}  # the baselines, scored for every target


def candidate(name: str, expect: str) -> Callable[[Materialise], Materialise]:
    """Register a baseline calibration candidate under ``name``."""

    def register(function: Materialise) -> Materialise:
        if name in CANDIDATES:
            raise ValueError(f"calibration candidate {name!r} is registered twice")
        CANDIDATES[name] = Candidate(name, function, expect)
        return function

    return register


def rival(target: Target, spec: Rival) -> Candidate:
    """A candidate from one of the target's ``[[rivals]]``: it should land between 0 and 100 %."""
    if spec.name in CANDIDATES:
        raise SpecError(
            f"{target.folder / 'target.toml'}: field 'rivals': {spec.name!r} is a baseline "
            f"candidate's name; rename the rival"
        )
    materialise = _debian_program(spec.packages, spec.program, spec.args)
    return Candidate(spec.name, materialise, "between", spec.model_dump_json())


def candidates_for(target: Target) -> list[Candidate]:
    """The baselines, then the target's rivals."""
    return [*CANDIDATES.values(), *(rival(target, spec) for spec in target.rivals)]


def find_candidate(name: str, target: Target) -> Candidate:
    """Candidate ``name`` of ``target``; a UserError listing the known ones if there is none."""
    known = {found.name: found for found in candidates_for(target)}
    if name not in known:
        raise SpecError(
            f"no calibration candidate {name!r} for {target.name} (known: {', '.join(known)}); "
            f"rivals are listed under [[rivals]] in {target.folder / 'target.toml'}"
        )
    return known[name]


def _write_program(workspace: Path, command: str, text: str) -> None:
    program = workspace / "bin" / command
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text(text)
    program.chmod(0o755)


# A dynamically linked program travels with the libraries it needs (glibc aside, which every
# bookworm box has) and is started through the box's loader, under its own command name, after
# the lines of EXPORTS and with the (quoted) ARGS before the case's arguments. FILES (one a
# line) are copied under root/ at their own path.
PACK_SCRIPT = """
real=$(readlink -f "$PROGRAM")
mkdir -p /out/bin /out/root/lib
printf '%s\\n' "$FILES" | while IFS= read -r file; do
  [ -z "$file" ] || { mkdir -p "/out/root${file%/*}" && cp -rL "$file" "/out/root$file"; }
done
if ldd "$real" >/dev/null 2>&1; then
  cp "$real" /out/root/program
  ldd "$real" | awk '/=> \\// {print $3}' | while read -r lib; do
    case $(basename "$lib") in
      libc.so.*|libm.so.*|ld-linux*|libpthread.so.*|libdl.so.*|librt.so.*) ;;
      *) cp -L "$lib" /out/root/lib/ ;;
    esac
  done
  cat > "/out/bin/$COMMAND" <<EOF
#!/bin/sh
here=\\$(dirname "\\$(readlink -f "\\$0")")/..
$EXPORTS
exec /lib64/ld-linux-x86-64.so.2 --library-path "\\$here/root/lib" --argv0 $COMMAND \\
  "\\$here/root/program" $ARGS"\\$@"
EOF
  chmod 755 "/out/bin/$COMMAND"
elif [ -n "$ARGS$EXPORTS" ]; then
  echo "$PROGRAM is static: no wrapper gives it arguments or an environment" >&2
  exit 1
else
  cp "$real" "/out/bin/$COMMAND"
fi
"""


def _pack_program(
    image: str,
    program: str,
    command: str,
    workspace: Path,
    setup: str = "",
    args: Sequence[str] = (),
    pack: Pack | None = None,
) -> None:
    """Copy ``program`` (its libraries, and ``pack.files``) out of ``image`` into a runnable
    workspace whose ``bin/<command>`` sets ``pack.env`` and passes ``args`` first."""
    pack = pack or Pack()
    exports = "\n".join(
        f'export {name}="{_double_quoted(value).replace("{root}", "$here/root")}"'
        for name, value in pack.env.items()
    )
    environment = {
        "PROGRAM": program,
        "COMMAND": command,
        "FILES": "\n".join(pack.files),
        "ARGS": "".join(f"{shlex.quote(arg)} " for arg in args),
        "EXPORTS": exports,
    }
    container = run_build_step(
        image, setup + PACK_SCRIPT, f"packing {program}", environment=environment
    )
    try:
        stream, _ = container.get_archive("/out/.")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            archive.extractall(workspace, filter="tar")
    finally:
        container.remove(force=True)


def _double_quoted(value: str) -> str:
    """``value`` escaped for a shell's double quotes."""
    return "".join("\\" + char if char in '\\"$`' else char for char in value)


def _debian_program(packages: list[str], program: str, args: Sequence[str] = ()) -> Materialise:
    setup = (
        "export DEBIAN_FRONTEND=noninteractive\napt-get update -q >/dev/null\n"
        f"apt-get install -y -q --no-install-recommends {' '.join(packages)} >/dev/null\n"
    )

    def materialise(target: Target, workspace: Path) -> None:
        _pack_program(ensure_base_image(), program, target.command, workspace, setup, args)

    return materialise


@candidate("reference", expect="100")
def reference(target: Target, workspace: Path) -> None:
    """The reference program itself, copied out of its packages image: must score 100 %."""
    _pack_program(
        ensure_packages_image(target), target.binary, target.command, workspace, pack=target.pack
    )


@candidate("empty", expect="0")
def empty(target: Target, workspace: Path) -> None:
    """Prints nothing and exits 0: must score 0 % (trivial cases are dropped from suites)."""
    _write_program(workspace, target.command, "#!/bin/sh\nexit 0\n")


LOOKUP_PROGRAM = r'''#!/usr/bin/python3 -IS
"""Replays the visible gold for an input seen there; prints nothing otherwise."""
import hashlib, json, os, sys

def key(args, stdin, files):
    parts = [json.dumps(args), stdin.hex(), *(f"{n}={d.hex()}" for n, d in sorted(files.items()))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()

files = {}
for root, _, names in os.walk("."):
    for name in names:
        path = os.path.join(root, name)
        with open(path, "rb") as file:
            files[os.path.relpath(path)] = file.read()
here = os.path.dirname(os.path.realpath(__file__))
with open(os.path.join(here, "..", "table.json"), encoding="utf-8") as table:
    gold = json.load(table).get(key(sys.argv[1:], sys.stdin.buffer.read(), files))
if gold is None:
    sys.exit(0)
sys.stdout.buffer.write(bytes.fromhex(gold["stdout"]))
sys.stderr.buffer.write(bytes.fromhex(gold["stderr"]))
sys.exit(gold["exit_code"] if gold["exit_code"] is not None else 1)
'''


def lookup_key(args: list[str], stdin: bytes, files: dict[str, bytes]) -> str:
    """The lookup program's key of an input (the same code as in LOOKUP_PROGRAM)."""
    parts = [json.dumps(args), stdin.hex(), *(f"{n}={d.hex()}" for n, d in sorted(files.items()))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@candidate("lookup", expect="<=5")
def lookup(target: Target, workspace: Path) -> None:
    """Hard-codes the visible suite: must pass at most 5 % of the held-out cases."""
    table = {
        lookup_key(list(entry.case.args), entry.case.stdin, entry.case.files): {
            "stdout": entry.gold.stdout.hex(),
            "stderr": entry.gold.stderr.hex(),
            "exit_code": entry.gold.exit_code,
        }
        for entry in load_suite(target).visible
    }
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "table.json").write_text(json.dumps(table))
    _write_program(workspace, target.command, LOOKUP_PROGRAM)


THIEF_PROGRAM = """#!/bin/sh
# Reaches for everything a cheat would want; must pass nothing it cannot answer itself.
for sock in /oracle/oracle.sock "$MIRROR_ORACLE_SOCKET"; do
  [ -S "$sock" ] && MIRROR_ORACLE_SOCKET="$sock" exec oracle run -- "$@"
done
[ -x {binary} ] && exec {binary} "$@"
for place in /heldout /results /work/../heldout /var/log/mirror; do
  cat "$place"/* 2>/dev/null
done
exit 0
"""


@candidate("thief", expect="0")
def thief(target: Target, workspace: Path) -> None:
    """Calls the oracle, the reference path and the held-out files from the scoring box."""
    _write_program(workspace, target.command, THIEF_PROGRAM.format(binary=target.binary))


def materialise(name: str, target: Target, into: Path) -> Path:
    """A fresh workspace of candidate ``name`` for ``target`` under ``into``."""
    workspace = into / target.name / name
    find_candidate(name, target).materialise(target, workspace)
    return workspace


def cached_workspace(found: Candidate, target: Target, cache: Path) -> Path:
    """The candidate's workspace, made once per input that shapes it (scoring copies it)."""
    name = found.name
    visible = visible_path(target)
    parts = [name, found.recipe, packages_tag(target), base_tag(), Path(__file__).read_text()]
    parts.append(target.pack.model_dump_json())
    parts.append(hashlib.sha256(visible.read_bytes()).hexdigest() if visible.exists() else "")
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
    workspace = cache / target.name / f"{name}-{key}"
    if not workspace.exists():
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=cache))
        found.materialise(target, staging / "workspace")
        workspace.parent.mkdir(parents=True, exist_ok=True)
        (staging / "workspace").rename(workspace)
        shutil.rmtree(staging)
    return workspace
