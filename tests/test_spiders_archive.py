"""Safe archive reading: hostile names reject the archive, links and devices are skipped, bombs are stopped."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile

import pytest
from spider_server import tarball

from geocorpus.sources.archive_safe import ArchiveRejected, Limits, gunzip, read_archive


def everything(name: str) -> bool:
    return True


def test_regular_members_are_read_and_links_are_skipped_with_a_reason() -> None:
    data = tarball({"pkg-1.0/a.py": b"print(1)\n", "pkg-1.0/b.md": b"# b\n"}, links={"pkg-1.0/c.py": "/etc/passwd"})
    contents = read_archive(data, lambda name: name.endswith(".py"))
    assert contents.members == {"pkg-1.0/a.py": b"print(1)\n"}
    assert contents.skipped == [("pkg-1.0/c.py", "link to /etc/passwd")]


@pytest.mark.parametrize("name", ["../../evil.py", "/etc/evil.py", "pkg/../../evil.py"])
def test_tar_slip_rejects_the_whole_archive(name: str) -> None:
    data = tarball({"pkg/ok.py": b"x = 1\n", name: b"import os\n"})
    with pytest.raises(ArchiveRejected) as caught:
        read_archive(data, everything)
    assert caught.value.reason == "path_traversal"


def test_hardlinks_and_devices_are_skipped() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        hard = tarfile.TarInfo("pkg/hard.py")
        hard.type, hard.linkname = tarfile.LNKTYPE, "../../../etc/shadow"
        device = tarfile.TarInfo("pkg/dev.py")
        device.type = tarfile.CHRTYPE
        archive.addfile(hard)
        archive.addfile(device)
    contents = read_archive(buffer.getvalue(), everything)
    assert contents.members == {}
    assert [why for _, why in contents.skipped] == ["link to ../../../etc/shadow", "special file"]


def test_a_member_declaring_a_huge_size_is_a_bomb_before_any_byte_is_inflated() -> None:
    header = tarfile.TarInfo("pkg/huge.py")
    header.size = 600 * 1024 * 1024
    data = gzip.compress(header.tobuf())  # the header alone: the 600 MB never exist
    with pytest.raises(ArchiveRejected) as caught:
        read_archive(data, everything)
    assert caught.value.reason == "bomb"


def test_an_extreme_expansion_ratio_is_a_bomb() -> None:
    data = tarball({"pkg/zeros.py": bytes(12 * 1024 * 1024)})
    assert len(data) < 50_000
    with pytest.raises(ArchiveRejected, match="expansion ratio"):
        read_archive(data, everything)


def test_too_many_members_is_a_bomb() -> None:
    data = tarball({f"pkg/{i}.py": b"" for i in range(30)})
    with pytest.raises(ArchiveRejected, match="more than 20 members"):
        read_archive(data, everything, Limits(max_members=20))


def test_large_wanted_members_are_skipped_not_read() -> None:
    data = tarball({"pkg/big.py": b"#" * 5000, "pkg/small.py": b"x = 1\n"})
    contents = read_archive(data, everything, Limits(max_member_bytes=1000))
    assert list(contents.members) == ["pkg/small.py"]
    assert contents.skipped == [("pkg/big.py", "5000 bytes > 1000")]


def test_truncated_and_non_archives_are_corrupt() -> None:
    data = tarball({"pkg/a.py": b"x = 1\n" * 1000})
    for broken in (data[: len(data) // 2], b"this is not an archive at all"):
        with pytest.raises(ArchiveRejected) as caught:
            read_archive(broken, everything)
        assert caught.value.reason == "corrupt"


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def test_zip_slip_and_zip_symlinks() -> None:
    with pytest.raises(ArchiveRejected) as caught:
        read_archive(_zip([("ok.py", b"1"), ("..\\..\\evil.py", b"2")]), everything)
    assert caught.value.reason == "path_traversal"
    link = zipfile.ZipInfo("pkg/link.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    contents = read_archive(_zip([("pkg/a.py", b"a = 1\n"), (link, b"/etc/passwd")]), everything)
    assert contents.members == {"pkg/a.py": b"a = 1\n"}
    assert contents.skipped == [("pkg/link.py", "link")]


def test_gunzip_caps_output_and_detects_truncation() -> None:
    assert gunzip(gzip.compress(b"\\documentclass{article}")) == b"\\documentclass{article}"
    with pytest.raises(ArchiveRejected, match="bomb"):
        gunzip(gzip.compress(bytes(2_000_000)), Limits(max_total_bytes=1_000_000))
    with pytest.raises(ArchiveRejected, match="truncated"):
        gunzip(gzip.compress(b"x" * 10_000 + bytes(range(256)) * 50)[:-40])
