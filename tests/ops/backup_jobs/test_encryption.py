"""The archive encryption: streaming AES-256-GCM that notices any change to the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ops.backups.encryption import CHUNK_SIZE, decrypt_file, encrypt_file, is_encrypted
from ops.backups.errors import ArchiveTampered, WrongKey

KEY = "k" * 44
OTHER_KEY = "o" * 44


def _encrypted(tmp_path: Path, payload: bytes) -> Path:
    plain, sealed = tmp_path / "plain.tar", tmp_path / "plain.tar.enc"
    plain.write_bytes(payload)
    encrypt_file(plain, sealed, KEY)
    return sealed


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, 2 * CHUNK_SIZE + 17])
def test_an_encrypted_archive_decrypts_to_the_same_bytes(tmp_path: Path, size: int) -> None:
    payload = os.urandom(size)
    sealed = _encrypted(tmp_path, payload)
    assert is_encrypted(sealed)
    assert size < 16 or payload[:64] not in sealed.read_bytes()
    decrypt_file(sealed, tmp_path / "back.tar", KEY)
    assert (tmp_path / "back.tar").read_bytes() == payload


def test_a_plain_archive_is_not_reported_encrypted(tmp_path: Path) -> None:
    plain = tmp_path / "plain.tar"
    plain.write_bytes(b"ustar archive")
    assert not is_encrypted(plain)


def test_the_wrong_key_is_named_and_leaves_no_output(tmp_path: Path) -> None:
    sealed = _encrypted(tmp_path, b"secret rows")
    with pytest.raises(WrongKey):
        decrypt_file(sealed, tmp_path / "out", OTHER_KEY)
    assert not (tmp_path / "out").exists()


def test_a_flipped_byte_is_detected(tmp_path: Path) -> None:
    sealed = _encrypted(tmp_path, os.urandom(3000))
    data = bytearray(sealed.read_bytes())
    data[-100] ^= 0x01
    sealed.write_bytes(bytes(data))
    with pytest.raises(ArchiveTampered):
        decrypt_file(sealed, tmp_path / "out", KEY)
    assert not (tmp_path / "out").exists()


def test_a_truncated_archive_is_detected_even_at_a_chunk_boundary(tmp_path: Path) -> None:
    sealed = _encrypted(tmp_path, os.urandom(2 * CHUNK_SIZE))
    data = sealed.read_bytes()
    header, frame = 44, 12 + 1 + 4 + CHUNK_SIZE + 16
    assert len(data) == header + 2 * frame  # two full chunks, the second one final
    for cut in (header, header + frame, len(data) - 1):
        sealed.write_bytes(data[:cut])
        with pytest.raises(ArchiveTampered):
            decrypt_file(sealed, tmp_path / "out", KEY)


def test_swapped_chunks_are_detected(tmp_path: Path) -> None:
    sealed = _encrypted(tmp_path, os.urandom(2 * CHUNK_SIZE + 5))
    data = sealed.read_bytes()
    header, frame = 44, 12 + 1 + 4 + CHUNK_SIZE + 16
    first, second = data[header : header + frame], data[header + frame : header + 2 * frame]
    sealed.write_bytes(data[:header] + second + first + data[header + 2 * frame :])
    with pytest.raises(ArchiveTampered):
        decrypt_file(sealed, tmp_path / "out", KEY)


def test_data_appended_after_the_last_chunk_is_detected(tmp_path: Path) -> None:
    sealed = _encrypted(tmp_path, b"rows")
    sealed.write_bytes(sealed.read_bytes() + b"extra")
    with pytest.raises(ArchiveTampered):
        decrypt_file(sealed, tmp_path / "out", KEY)


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.tar"
    plain.write_bytes(b"x")
    with pytest.raises(ValueError, match="at least 32"):
        encrypt_file(plain, tmp_path / "out", "short")
