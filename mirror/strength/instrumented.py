"""The instrumented build of a reference: its source at the installed version, built with
``--coverage`` in a build box, committed as an image tagged by a content hash.

The image is the target's reference image (runner, sandbox, packages, the program's user) plus
the build tools and the build tree at :data:`TREE`; the instrumented program replaces the
reference binary at its real path, so it runs under the same name, user and rules. It is used
by coverage and mutation runs only, never by an agent's box.

How a target is built is its ``targets/<name>/coverage.toml`` (``program``: the built program
relative to the source tree; ``build``: a shell script run in the tree with ``CFLAGS`` and
``LDFLAGS`` set; ``rebuild``: what rebuilds the program after one source file changed, by
default ``build``; ``packages``: extra Debian packages), or only ``unsupported``: why this
machine's toolchains cannot build it with coverage. Where the source is comes from the
target's ``source.toml`` (its Debian source package, or the target folder for original ones).
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mirror.boxes.engine import image_exists
from mirror.boxes.images import commit_image, digest, ensure_reference_image, run_build_step
from mirror.errors import UserError, field_problems
from mirror.memorization.sources import SourceSpec, load_source_spec
from mirror.specs.targets import Target
from mirror.suites.upstream import ENABLE_SOURCES

log = logging.getLogger(__name__)

RECIPE_FILE = "coverage.toml"
RECIPE_VERSION = "2"  # bump when the build steps below change meaning
# The build tree's path. A coverage run mounts a writable folder over it, so the program
# writes its .gcda counts there (beside where the compiler left the .gcno notes).
TREE = "/gcov-data/src"
DATA_MOUNT = "/gcov-data"
SUMMARY_PROGRAM = Path(__file__).parent / "programs" / "gcov_summary.py"
SUMMARY_IN_BOX = "/opt/mirror/gcov_summary.py"
FLAGS = {"CFLAGS": "--coverage -O0 -g", "LDFLAGS": "--coverage"}

BUILD_SCRIPT = f"""
export DEBIAN_FRONTEND=noninteractive
{ENABLE_SOURCES}apt-get update -q
apt-get install -y -q --no-install-recommends gcc libc6-dev make dpkg-dev $PACKAGES
if [ -n "$SOURCE" ]; then
  apt-get build-dep -y -q --no-install-recommends --only-source "$SOURCE"
fi
mkdir -p {TREE}
tar -xf /tmp/source.tar -C {TREE}
rm /tmp/source.tar
cd {TREE}
sh -eu /tmp/cov-build.sh
install -m 0755 "$PROGRAM" "$INSTALL"
"""


class RecipeError(UserError, ValueError):
    """A ``coverage.toml`` is missing or malformed; the message names the file and field."""


class CoverageUnsupportedError(UserError):
    """The target's ``coverage.toml`` says why this machine cannot build it with coverage."""


class Unsupported(BaseModel):
    """A ``coverage.toml`` holding only ``unsupported``: why there is no instrumented build."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unsupported: str = Field(min_length=1)


class Recipe(BaseModel):
    """How a target's instrumented build is made (``targets/<name>/coverage.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    program: str = Field(min_length=1)
    build: str = Field(min_length=1)
    rebuild: str | None = None
    packages: list[str] = []


def load_recipe(target: Target) -> Recipe:
    """Read ``targets/<name>/coverage.toml``; one holding ``unsupported`` raises
    :class:`CoverageUnsupportedError` with its reason."""
    path = target.folder / RECIPE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if "unsupported" in data:
            reason = " ".join(Unsupported.model_validate(data).unsupported.split())
            raise CoverageUnsupportedError(f"{target.name}: no instrumented build: {reason}")
        return Recipe.model_validate(data)
    except FileNotFoundError:
        raise RecipeError(
            f"{path}: not found; write one saying how {target.name} is built with coverage"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"{path}: not valid TOML: {error}") from None
    except ValidationError as error:
        raise RecipeError(f"{path}: {field_problems(error)}") from None


@dataclass(frozen=True)
class InstrumentedImage:
    """A target's instrumented image and where things are in it."""

    tag: str
    program: str  # the instrumented program (the reference binary's real path)
    recipe: Recipe
    spec: SourceSpec


def source_tar(target: Target, spec: SourceSpec) -> bytes:
    """The program's source tree as a tar archive: the Debian source package at the installed
    version (fetched once and cached by :mod:`mirror.suites.upstream`) or the target folder."""
    if spec.debian is None:
        from mirror.boxes.images import tar_of

        return tar_of({name: (target.folder / name).read_bytes() for name in spec.include})
    from mirror.suites.upstream import cache_root, upstream_files

    files = upstream_files(
        target.name,
        spec.debian.source,
        spec.debian.package,
        (),
        convert="tar --exclude=./.pc -cf /out/source.tar .",
        cache=cache_root().parent / "coverage-source" / target.name,
    )
    return files["source.tar"]


def ensure_instrumented_image(target: Target) -> InstrumentedImage:
    """The target's instrumented image, built once per reference, recipe and source."""
    recipe, spec = load_recipe(target), load_source_spec(target)
    reference = ensure_reference_image(target)
    program = reference.manifest.get("binary_realpath") or target.binary
    source = source_tar(target, spec)
    key = digest(
        reference.tag,
        recipe.model_dump_json(),
        source,
        RECIPE_VERSION,
    )
    tag = f"mirror/cov-{target.name}:{key[:16]}"
    if not image_exists(tag):
        log.info("building the instrumented image %s", tag)
        environment = {
            "SOURCE": spec.debian.source if spec.debian else "",
            "PACKAGES": " ".join(recipe.packages),
            "PROGRAM": recipe.program,
            "INSTALL": program,
            **FLAGS,
        }
        files = {
            "tmp/source.tar": source,
            "tmp/cov-build.sh": recipe.build.encode(),
            "tmp/cov-rebuild.sh": (recipe.rebuild or recipe.build).encode(),
        }
        container = run_build_step(
            reference.tag,
            BUILD_SCRIPT,
            f"the instrumented build of {target.name}",
            files,
            environment=environment,
        )
        commit_image(container, tag, {"mirror.coverage": target.name})
    return InstrumentedImage(tag, program, recipe, spec)


def state_root() -> Path:
    """Host-only scratch and cache of coverage and mutation runs."""
    return Path(os.environ.get("MIRROR_STATE", Path.home() / ".cache" / "mirror")) / "strength"
