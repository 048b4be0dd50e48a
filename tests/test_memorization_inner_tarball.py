"""A Debian source package whose tree holds the upstream code as a tarball (gcc-12's
``gcc-12.2.0-dfsg.tar.xz``): ``[debian] inner`` takes the included files out of it."""

from __future__ import annotations

import io
import tarfile

import pytest

from mirror.boxes.images import ensure_base_image, files_in_container, run_build_step
from mirror.memorization.sources import SourceSpec, _unpack_inner

TREE = {
    "gcc-9.9/libcpp/macro.cc": b"int expand (void) { return 1; }\n",
    "gcc-9.9/libcpp/include/cpplib.h": b"struct cpp_reader;\n",
    "gcc-9.9/gcc/gcc.cc": b"int driver;\n",
}


def tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in TREE.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_inner_is_an_optional_file_name_pattern() -> None:
    spec = SourceSpec.model_validate(
        {
            "language": "c",
            "include": ["libcpp/*.cc"],
            "debian": {"source": "gcc-12", "package": "cpp-12", "inner": "gcc-*-dfsg.tar.xz"},
        }
    )
    assert spec.debian is not None and spec.debian.inner == "gcc-*-dfsg.tar.xz"
    assert _unpack_inner(None, ["libcpp/*.cc"]) == ""
    with pytest.raises(ValueError, match="inner"):
        SourceSpec.model_validate(
            {
                "language": "c",
                "include": ["x"],
                "debian": {"source": "s", "package": "p", "inner": "../x.tar; rm -rf /"},
            }
        )


@pytest.mark.docker
def test_the_included_files_of_the_inner_tarball_land_under_out_without_its_top_folder() -> None:
    # gzip rather than gcc's xz: the minimal base image has gzip, and tar finds either alone.
    script = "mkdir -p /out /tree && cd /tree && mv /tmp/gcc-9.9-dfsg.tar.gz ." + _unpack_inner(
        "gcc-*-dfsg.tar.gz", ["libcpp/*.cc", "libcpp/*.h"]
    )
    container = run_build_step(
        ensure_base_image(),
        script,
        "unpacking an inner tarball",
        {"tmp/gcc-9.9-dfsg.tar.gz": tarball()},
    )
    try:
        files = files_in_container(container, "/out")
    finally:
        container.remove(force=True)
    # gcc/gcc.cc is not included; files_in_container names each by its base name.
    assert files == {
        "macro.cc": TREE["gcc-9.9/libcpp/macro.cc"],
        "cpplib.h": b"struct cpp_reader;\n",
    }
