"""Reading members out of untrusted archives (sdists, e-prints, repository tarballs) without being hurt.

Nothing is ever written to disk: members are read into memory, so a hostile name cannot overwrite a file.
Still, a name that climbs out of the archive (`../../x`, `/etc/x`) marks the archive as hostile and rejects
it whole; links, devices and FIFOs carry no text and are skipped (and listed); decompression bombs are
stopped by caps on members, on total expanded bytes and on the expansion ratio, checked while reading,
before the bytes are produced. tarfile's own `data_filter` (PEP 706) judges tar member names.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

_NOWHERE = "/nonexistent-extraction-root"  # data_filter needs a destination; we never extract to it


class ArchiveRejected(Exception):
    """The whole archive is refused; `reason` is a short category (path_traversal, bomb, corrupt, ...)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    max_members: int = 20_000
    max_total_bytes: int = 512 * 1024 * 1024  # all members together, once expanded
    max_member_bytes: int = 4 * 1024 * 1024  # larger wanted members are skipped (generated or data files)
    max_ratio: float = 200.0  # expanded / compressed; text compresses ~5-10x, bombs ~1000x
    ratio_floor_bytes: int = 8 * 1024 * 1024  # the ratio is judged only past this much output


@dataclass
class Contents:
    members: dict[str, bytes] = field(default_factory=dict)  # path → bytes, for the wanted regular files
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why): links, devices, too large


def read_archive(data: bytes, wanted: Callable[[str], bool], limits: Limits = Limits()) -> Contents:
    """The wanted regular files of a tar (plain, gz, bz2, xz) or zip archive, checked as described above."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        return _read_zip(data, wanted, limits)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            return _read_tar(archive, len(data), wanted, limits)
    except ArchiveRejected:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise ArchiveRejected("corrupt", f"{type(error).__name__}: {error}") from None


def gunzip(data: bytes, limits: Limits = Limits()) -> bytes:
    """Decompress one gzip stream, refusing to produce more than `max_total_bytes`."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(data, limits.max_total_bytes + 1)
    except zlib.error as error:
        raise ArchiveRejected("corrupt", f"gzip: {error}") from None
    if len(out) > limits.max_total_bytes or inflater.unconsumed_tail:
        raise ArchiveRejected("bomb", f"gzip expands beyond {limits.max_total_bytes} bytes")
    if not inflater.eof:
        raise ArchiveRejected("corrupt", "gzip stream is truncated")
    return out


def _read_tar(archive: tarfile.TarFile, compressed: int, wanted: Callable[[str], bool], limits: Limits) -> Contents:
    contents = Contents()
    total = count = 0
    for member in archive:  # iterating decompresses header by header: caps apply before the bytes exist
        count += 1
        total += max(member.size, 0)
        _check_budget(count, total, compressed, limits)
        if member.issym() or member.islnk():
            contents.skipped.append((member.name, f"link to {member.linkname}"))
            continue
        if member.ischr() or member.isblk() or member.isfifo():
            contents.skipped.append((member.name, "special file"))
            continue
        _check_name(member.name)  # data_filter would quietly strip a leading "/": we call that hostile
        try:
            tarfile.data_filter(member, _NOWHERE)
        except tarfile.FilterError as error:
            raise ArchiveRejected("path_traversal", f"{member.name!r}: {error}") from None
        if member.isfile() and wanted(member.name):
            if member.size > limits.max_member_bytes:
                contents.skipped.append((member.name, f"{member.size} bytes > {limits.max_member_bytes}"))
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                contents.members[member.name] = handle.read()
    return contents


def _read_zip(data: bytes, wanted: Callable[[str], bool], limits: Limits) -> Contents:
    contents = Contents()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_budget(len(infos), sum(i.file_size for i in infos), len(data), limits)
            for info in infos:
                _check_name(info.filename)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    contents.skipped.append((info.filename, "link"))
                    continue
                if info.is_dir() or not wanted(info.filename):
                    continue
                if info.file_size > limits.max_member_bytes:
                    contents.skipped.append((info.filename, f"{info.file_size} bytes > {limits.max_member_bytes}"))
                    continue
                with archive.open(info) as handle:
                    body = handle.read(info.file_size + 1)
                if len(body) > info.file_size:  # the header lied about the size: a bomb in disguise
                    raise ArchiveRejected("bomb", f"{info.filename!r} expands beyond its declared size")
                contents.members[info.filename] = body
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        raise ArchiveRejected("corrupt", f"{type(error).__name__}: {error}") from None
    return contents


def _check_budget(count: int, total: int, compressed: int, limits: Limits) -> None:
    if count > limits.max_members:
        raise ArchiveRejected("bomb", f"more than {limits.max_members} members")
    if total > limits.max_total_bytes:
        raise ArchiveRejected("bomb", f"members expand beyond {limits.max_total_bytes} bytes")
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(compressed, 1):
        raise ArchiveRejected("bomb", f"expansion ratio above {limits.max_ratio:g} ({total} from {compressed} bytes)")


def _check_name(name: str) -> None:
    """Absolute paths, drive letters and names that climb above the root (after normalising) are hostile."""
    path = PurePosixPath(name.replace("\\", "/"))
    normal = os.path.normpath(path.as_posix())
    if path.is_absolute() or normal == ".." or normal.startswith("../") or (path.parts and ":" in path.parts[0]):
        raise ArchiveRejected("path_traversal", f"{name!r} points outside the archive")
