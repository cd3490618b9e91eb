"""The files of an import as they arrive (uploads, a folder, a zip), pure: each known file by its
base name, within the limits, and never a path that climbs out of the archive."""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .formats import KNOWN_FILES

MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 50


class ArchiveError(ValueError):
    """The upload cannot be read (too large, too many members, an unsafe path, a broken zip)."""


def _unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    parts = path.split("/")
    return path.startswith("/") or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":")


def _add(found: dict[str, bytes], name: str, data: bytes, total: list[int]) -> None:
    base = posixpath.basename(name.replace("\\", "/"))
    total[0] += len(data)
    if total[0] > MAX_TOTAL_BYTES:
        raise ArchiveError(f"The files are over {MAX_TOTAL_BYTES // (1024 * 1024)} MB together.")
    if base in found:
        raise ArchiveError(f"{base} is there twice; send one of each file.")
    found[base] = data


def _unzip(data: bytes, found: dict[str, bytes], total: list[int]) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ArchiveError("Not a readable zip file.") from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise ArchiveError(f"The zip holds {len(members)} files; at most {MAX_ZIP_MEMBERS}.")
        for info in members:
            if _unsafe(info.filename):
                raise ArchiveError(f"Unsafe path in the zip: {info.filename[:100]!r}.")
            base = posixpath.basename(info.filename)
            if base.startswith(".") or "__MACOSX" in info.filename.split("/"):
                continue  # Finder's and editors' litter
            if total[0] + info.file_size > MAX_TOTAL_BYTES:
                raise ArchiveError(f"The files are over {MAX_TOTAL_BYTES // (1024 * 1024)} MB unpacked.")
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                raise ArchiveError(f"Cannot unpack {info.filename[:100]!r} from the zip.") from exc
            _add(found, info.filename, content, total)


def collect(uploads: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """{base name: content} of the uploaded files, a zip among them unpacked."""
    found: dict[str, bytes] = {}
    total = [0]
    for name, data in uploads:
        # Nothing is written to disk: a plain upload is known by its base name alone.
        if name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
            _unzip(data, found, total)
        else:
            _add(found, name, data, total)
    return found


def collect_path(path: Path) -> dict[str, bytes]:
    """{base name: content} of a folder (the known files anywhere in it, e.g. a paper_trading/
    sub-folder), a zip, or one file."""
    if path.is_dir():
        uploads = [
            (file.name, file.read_bytes())
            for file in sorted(path.rglob("*.json"))
            if file.is_file() and file.name in KNOWN_FILES
        ]
        return collect(uploads)
    return collect([(path.name, path.read_bytes())])
