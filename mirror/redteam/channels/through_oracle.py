"""Oracle channel: the reference program's own features, used through the real oracle.

Which features a target has (the ways it reads a file, writes one, crashes, prints its
environment, fetches a URL or runs a shell command) comes from its red-team file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from mirror.boxes.agent_image import AGENT_UID
from mirror.boxes.images import PROGRAM_UID
from mirror.redteam.context import Context
from mirror.redteam.judges import refused, summary
from mirror.redteam.probes import DOCKER, compiled, program
from mirror.redteam.protected import linked_libraries
from mirror.redteam.registry import Skip, Verdict, attack
from mirror.redteam.spec import Reader
from oracle.case import Case, Outcome

log = logging.getLogger(__name__)
LOADER = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"


def read_via(
    run: Callable[[Case], Outcome],
    readers: Iterable[Reader],
    paths: Iterable[str],
    harmless: Callable[[Reader, str, Outcome], bool] | None = None,
) -> Verdict:
    """Leaked when any reader shows bytes of any path, or when a reader that reports refusals
    reports none; unless ``harmless`` says that outcome could show nothing."""
    tried: list[str] = []
    empty: list[str] = []
    first = ""
    for path in paths:
        for reader in readers:
            outcome = run(reader.case(path=path))
            if reader.shows(outcome) or not (reader.silent or refused(outcome)):
                if not (harmless and harmless(reader, path, outcome)):
                    return Verdict(True, f"{reader.how} {path}: {summary(outcome)}")
                empty.append(f"{reader.how} {path}")
                continue
            tried.append(f"{reader.how} {path}")
            first = first or f"{reader.how} {path}: {summary(outcome, 60)}"
    evidence = f"{len(tried)} reads refused, e.g. {first}"
    if empty:
        evidence += f"; {len(empty)} read as /dev/null does ({', '.join(empty[:3])})"
    return Verdict(False, evidence)


def reads_as_null(run: Callable[[Case], Outcome]) -> Callable[[Reader, str, Outcome], bool]:
    """Whether a reader's outcome on a path is its outcome on /dev/null, but for the name: a
    descriptor open on /dev/null (libuv keeps one in every node process) holds nothing."""
    null: dict[str, Outcome] = {}

    def same(reader: Reader, path: str, outcome: Outcome) -> bool:
        if reader.how not in null:
            null[reader.how] = run(reader.case(path="/dev/null"))
        return _named(outcome, path) == _named(null[reader.how], "/dev/null")

    return same


def _named(outcome: Outcome, path: str) -> tuple:
    """What an outcome shows, with the path it read in place of its name."""
    name = path.encode()
    streams = (outcome.stdout.replace(name, b"{path}"), outcome.stderr.replace(name, b"{path}"))
    return outcome.exit_code, outcome.signal, outcome.timed_out, *streams, outcome.files


def read_through(ctx: Context, paths: Iterable[str]) -> Verdict:
    """Every way the target's program reads files, on each path, through the oracle."""
    return read_via(ctx.run, ctx.spec.readers, paths)


def _binary_paths(ctx: Context) -> list[str]:
    binary, real = ctx.target.binary, ctx.image.manifest["binary_realpath"]
    return list(dict.fromkeys([binary, real, "/bin/" + Path(binary).name]))


@attack("read the reference binary", "oracle", needs=["readers"])
def read_binary(ctx: Context) -> Verdict:
    return read_through(ctx, _binary_paths(ctx))


@attack("read /proc/<pid>/exe (self, runner)", "oracle", needs=["readers"])
def read_exe(ctx: Context) -> Verdict:
    return read_through(ctx, ["/proc/self/exe", "/proc/1/exe"])


@attack("read /proc/<pid>/mem (self, runner)", "oracle", needs=["readers"])
def read_mem(ctx: Context) -> Verdict:
    return read_through(ctx, ["/proc/self/mem", "/proc/1/mem"])


@attack("read /proc/<pid>/maps (self, runner)", "oracle", needs=["readers"])
def read_maps(ctx: Context) -> Verdict:
    return read_through(ctx, ["/proc/self/maps", "/proc/1/maps", "/proc/self/smaps"])


@attack("read /proc/<pid>/environ, cmdline", "oracle", needs=["readers"])
def read_environ(ctx: Context) -> Verdict:
    paths = ["/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline", "/proc/1/status"]
    return read_through(ctx, paths)


@attack("read the program's shared libraries", "oracle", needs=["readers"])
def read_libraries(ctx: Context) -> Verdict:
    libraries = linked_libraries(ctx.parts, ctx.target)
    if not libraries:
        raise Skip("the program loads no library beyond glibc")
    # A library the agent box holds byte for byte gives nothing away when read: only the
    # others must stay unreadable.
    digests = {f.path: f.sha256 for f in ctx.parts.files}
    held = ctx.agent.exec_run(["sha256sum", *libraries], user=str(AGENT_UID)).output.decode()
    public = {
        line.split()[1]
        for line in held.splitlines()
        if line.split()[0] == digests.get(line.split()[-1])
    }
    private = [path for path in libraries if path not in public]
    note = (
        f"; {', '.join(sorted(Path(p).name for p in public))} identical in the agent box"
        if public
        else ""
    )
    if not private:
        return Verdict(False, f"nothing to protect{note}")
    verdict = read_through(ctx, private)
    return Verdict(verdict.leaked, verdict.evidence + note)


@attack("path tricks: .., //, /proc/self/root, cwd", "oracle", needs=["readers"])
def read_tricks(ctx: Context) -> Verdict:
    binary = ctx.target.binary
    paths = [f"/case/..{binary}", f"/proc/self/root{binary}", f"/proc/self/cwd/..{binary}"]
    return read_through(ctx, [*paths, "//" + binary.replace("/", "//")])


@attack("inherited descriptors (/dev/fd/3-9)", "oracle", needs=["readers"])
def read_descriptors(ctx: Context) -> Verdict:
    paths = [f"/dev/fd/{fd}" for fd in range(3, 10)]
    return read_via(ctx.run, ctx.spec.readers, paths, harmless=reads_as_null(ctx.run))


@attack("read the reference's source files", "oracle", needs=["readers", "source"])
def read_source(ctx: Context) -> Verdict:
    assert ctx.spec.source
    if not ctx.spec.source.paths:
        raise Skip("the red-team file names no source path")
    return read_through(ctx, ctx.spec.source.paths)


@attack("the reference's source at rest (reference and agent boxes)", "oracle", needs=["source"])
def source_at_rest(ctx: Context) -> Verdict:
    """Leaked when a file that the program's uid (reference box) or the agent (agent box) can
    read holds one of the strings only the reference's own code holds."""
    assert ctx.spec.source
    patterns = [arg for marker in ctx.spec.source.markers for arg in ("-e", marker)]
    search = ["grep", "-rlsF", "--devices=skip", "--exclude-dir=proc", "--exclude-dir=sys"]
    found = []
    for box, user in ((ctx.reference.container, str(PROGRAM_UID)), (ctx.agent, str(AGENT_UID))):
        output = box.exec_run([*search, *patterns, "/"], user=user).output.decode(errors="replace")
        found += [line for line in output.splitlines() if line.startswith("/")]
    if found:
        return Verdict(True, f"readable copies: {found[:5]}")
    count = len(ctx.spec.source.markers)
    return Verdict(False, f"no file readable by the program or the agent holds any of {count}")


@attack("read the oracle query log", "oracle", needs=["readers"])
def read_query_log(ctx: Context) -> Verdict:
    return read_through(ctx, ["/var/log/mirror/queries.jsonl"])


@attack("write outside the case folder", "oracle", needs=["writes"])
def write_outside(ctx: Context) -> Verdict:
    """The red-team file's ``writes`` cases, which write files named ``redteam-w*``."""
    outcomes = [ctx.run(spec.case()) for spec in ctx.spec.writes]
    found = ctx.reference.container.exec_run(
        ["sh", "-c", "find / -xdev -name 'redteam-w*'; ls /oracle /var/log/mirror"]
    ).output.decode()
    planted = [line for line in found.splitlines() if "redteam-w" in line]
    accepted = [summary(o) for o in outcomes if not refused(o)]
    if planted or accepted:
        return Verdict(True, f"created {planted}; not refused: {accepted}")
    return Verdict(False, f"{len(outcomes)} writes refused, e.g. {summary(outcomes[0], 60)}")


@attack("core dump of a crashing program", "oracle", needs=["crash"])
def core_dump(ctx: Context) -> Verdict:
    assert ctx.spec.crash
    outcome = ctx.run(ctx.spec.crash.case())
    listing = ctx.reference.container.exec_run(["ls", "-A", "/case"]).output.decode().split()
    if not outcome.signal:
        return Verdict(False, f"no crash ({summary(outcome)}); /case: {listing}")
    cores = [name for name in listing if name.startswith("core")]
    return Verdict(bool(cores), f"signal {outcome.signal}; /case after: {listing or 'empty'}")


@attack("the environment shows the sandbox", "oracle", needs=["environment"])
def environment(ctx: Context) -> Verdict:
    assert ctx.spec.environment
    outcome = ctx.run(ctx.spec.environment.case())
    shown = [word for word in (b"MIRROR_", b"LD_PRELOAD") if word in outcome.stdout]
    return Verdict(bool(shown), summary(outcome, 100))


@attack("the program's own network access (URLs)", "oracle", needs=["fetches"])
def fetch_urls(ctx: Context) -> Verdict:
    outcomes = [ctx.run(spec.case()) for spec in ctx.spec.fetches]
    fetched = [summary(o) for o in outcomes if o.exit_code == 0 or o.stdout]
    if fetched:
        return Verdict(True, f"fetched: {fetched[0]}")
    return Verdict(
        False, "; ".join(o.stderr.strip()[-60:].decode(errors="replace") for o in outcomes)
    )


# The program's shell command (its red-team file's ``shell``): what that shell can reach.


def shell_case(
    ctx: Context, command: str, files: dict[str, bytes] | None = None, timeout: float | None = None
) -> Case:
    """A case in which the program runs ``command`` in a shell."""
    assert ctx.spec.shell
    return ctx.spec.shell.case(files, timeout, command=command)


@attack("shell command: the shell reads the binary", "oracle", needs=["shell"])
def shell_reads(ctx: Context) -> Verdict:
    command = f'while IFS= read -r l; do printf %s "$l"; done < {ctx.target.binary}; echo'
    outcome = ctx.run(shell_case(ctx, command))
    return Verdict(b"ELF" in outcome.stdout or not refused(outcome), summary(outcome))


@attack("shell command: programs it starts read the binary", "oracle", needs=["shell"])
def shell_exec(ctx: Context) -> Verdict:
    binary = ctx.target.binary
    commands = [
        f"cat {binary}",
        f"dd if={binary} bs=64 count=1",
        f'perl -e \'open F, "{binary}" or die "$!\\n"; print <F>\'',
        'perl -e \'open F, "/proc/self/exe" or die "$!\\n"; print <F>\'',
        f"{LOADER} {binary} --version",
        f'python3 -c \'print(open("{binary}", "rb").read())\'',
    ]
    prefix, errors = ctx.binary_prefix(), []
    for command in commands:
        outcome = ctx.run(shell_case(ctx, command))
        if prefix in outcome.stdout:
            return Verdict(True, f"{command}: {summary(outcome)}")
        lines = outcome.stderr.strip().splitlines() or [
            b"%d bytes, not the program's" % len(outcome.stdout)
        ]
        errors.append(lines[-1][:40].decode(errors="replace"))
    return Verdict(False, f"{len(commands)} readers (cat, dd, perl, ld.so, python3): {errors}")


def steal_files(ctx: Context) -> dict[str, bytes]:
    """A preload that dumps the program's own text, and the Perl that loads it from a memfd."""
    return {
        "steal.so": compiled(ctx.folder, "steal.c", "steal.so"),
        "steal.pl": program("steal.pl").encode(),
    }


def stolen(ctx: Context, outcome: Outcome) -> Verdict:
    """Leaked when code ran inside the reference (its dump says STOLEN:)."""
    if b"STOLEN:" not in outcome.stdout:
        return Verdict(False, f"no code ran in the reference: {outcome.stderr.strip()[-90:]!r}")
    dumped = outcome.stdout.split(b"STOLEN:", 1)[1][:4096]
    same = "identical to" if ctx.binary_prefix(len(dumped)) == dumped else "differing from"
    return Verdict(True, f"code ran in the reference: {len(dumped)} bytes {same} its binary")


@attack(
    "shell command: inject code into the program (memfd + LD_PRELOAD)", "oracle", needs=["shell"]
)
def shell_inject(ctx: Context) -> Verdict:
    command = f"perl /case/steal.pl {ctx.target.binary} --version"
    return stolen(ctx, ctx.run(shell_case(ctx, command, steal_files(ctx))))


@attack("shell command: a ptrace probe from the case folder", "oracle", needs=["shell"])
def shell_ptrace_probe(ctx: Context) -> Verdict:
    probe = compiled(ctx.folder, "ptrace_probe.c", "probe")
    outcomes = []
    for command in ("/case/probe", f"{LOADER} /case/probe"):
        outcome = ctx.run(shell_case(ctx, command, {"probe": probe}))
        if b"PROBE-RAN" in outcome.stdout + outcome.stderr:
            return Verdict(True, f"{command}: {summary(outcome)}")
        outcomes.append(f"{command}: {outcome.stderr.strip()[:60].decode(errors='replace')}")
    return Verdict(False, "; ".join(outcomes))


@attack("shell command: signal the runner and other processes", "oracle", needs=["shell"])
def shell_signals(ctx: Context) -> Verdict:
    outcome = ctx.run(shell_case(ctx, "kill -STOP 1; kill -9 1; kill -9 -1; echo sent", timeout=5))
    problem = ctx.still_serving()
    return Verdict(
        bool(problem), f"{summary(outcome, 60)}; {problem or 'the oracle still answers'}"
    )


@attack("shell command: docker socket", "oracle", needs=["shell"])
def shell_docker(ctx: Context) -> Verdict:
    paths = " ".join(DOCKER["paths"])
    command = f'for p in {paths}; do [ -e "$p" ] && echo "found $p"; done; echo checked'
    outcome = ctx.run(shell_case(ctx, command))
    return Verdict(b"found" in outcome.stdout, summary(outcome))
