"""The archive file: a tar of manifest.json, the database dump and the files, then a footer.

The footer is the SHA-256 of every byte before it, so a change anywhere (a member, a tar header,
the padding between members) is caught before anything is read from the tar; the manifest's
per-member checksums then say which member differs. An encrypted archive (encryption.py) wraps
this whole file and adds authentication on top.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import manifest as manifest_mod
from .errors import ArchiveTampered

_FOOTER_PREFIX = b"\nTFBACKUP-SHA256 "
_FOOTER_LEN = len(_FOOTER_PREFIX) + 64 + 1
_FOOTER_RE = re.compile(rb"\nTFBACKUP-SHA256 ([0-9a-f]{64})\n\Z")
_CHUNK = 1024 * 1024


def write(dst: Path, *, manifest: Mapping[str, Any], members: Mapping[str, Path], staging: Path) -> None:
    """Write manifest.json first (a reader learns what it holds before the large members), then
    every member, then the footer."""
    manifest_path = staging / manifest_mod.NAME
    manifest_path.write_bytes(manifest_mod.dumps(manifest))
    with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(manifest_path, arcname=manifest_mod.NAME, recursive=False, filter=_plain)
        for name, path in sorted(members.items()):
            tar.add(path, arcname=name, recursive=False, filter=_plain)
    digest = _digest(dst, dst.stat().st_size)
    with open(dst, "ab") as handle:
        handle.write(_FOOTER_PREFIX + digest.encode() + b"\n")


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Nothing of the host leaks into the archive: no owner names, ids or modes beyond read/write.
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _digest(path: Path, length: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        remaining = length
        while remaining > 0 and (chunk := handle.read(min(_CHUNK, remaining))):
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


def check_footer(path: Path) -> None:
    size = path.stat().st_size
    if size < _FOOTER_LEN:
        raise ArchiveTampered("The file is too short to be a Tradefleet backup archive.")
    with open(path, "rb") as handle:
        handle.seek(size - _FOOTER_LEN)
        match = _FOOTER_RE.match(handle.read())
    if match is None:
        raise ArchiveTampered(
            "The archive's checksum footer is missing or unreadable: the file was cut short, "
            "or changed or damaged."
        )
    if _digest(path, size - _FOOTER_LEN) != match.group(1).decode():
        raise ArchiveTampered("The archive's SHA-256 does not match its footer: it was changed or damaged.")


@dataclass(frozen=True)
class Opened:
    manifest: dict[str, Any]
    members: dict[str, Path]  # name inside the archive -> extracted file


def open_checked(path: Path, workdir: Path) -> Opened:
    """Check the footer, extract into `workdir`, check every member against the manifest."""
    check_footer(path)
    try:
        with tarfile.open(path, "r:") as tar:
            infos = tar.getmembers()
            for info in infos:
                if not info.isfile():
                    raise ArchiveTampered(f"The archive holds {info.name!r}, which is not a plain file.")
            # The "data" filter refuses absolute paths, "..", links and devices.
            tar.extractall(workdir, filter="data")
    except tarfile.TarError as exc:
        raise ArchiveTampered(f"The archive cannot be read as a tar file: {exc}") from exc
    names = [info.name for info in infos]
    if manifest_mod.NAME not in names:
        raise ArchiveTampered("The archive has no manifest.json.")
    manifest = manifest_mod.loads((workdir / manifest_mod.NAME).read_bytes())
    members = {name: workdir / name for name in names if name != manifest_mod.NAME}
    manifest_mod.check_members(manifest, members)
    return Opened(manifest=manifest, members=members)
