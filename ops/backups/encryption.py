"""Streaming, authenticated encryption of a backup archive (BACKUP_ENCRYPTION_KEY).

File layout:
    header  = MAGIC (8) | salt (16) | key check (16) | chunk size (4, big-endian)
    chunk*  = nonce (12) | final flag (1) | ciphertext length (4) | AES-256-GCM ciphertext + tag

A per-file key comes from HKDF-SHA256(BACKUP_ENCRYPTION_KEY, salt), so one key can encrypt
many archives without nonce reuse worries. Each chunk's associated data is the header, the
chunk's index and its final flag: a swapped, dropped, repeated or truncated chunk fails
authentication. The key check (more HKDF output) tells a wrong key apart from a damaged file
without revealing anything about the key.
"""

from __future__ import annotations

import hmac
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import ArchiveTampered, WrongKey

MAGIC = b"TFBKAES1"
CHUNK_SIZE = 1024 * 1024
MIN_KEY_LENGTH = 32
_SALT_LEN = 16
_CHECK_LEN = 16
_NONCE_LEN = 12
_TAG_LEN = 16
_HEADER = struct.Struct(f">{len(MAGIC)}s{_SALT_LEN}s{_CHECK_LEN}sI")
_FRAME = struct.Struct(f">{_NONCE_LEN}s?I")
_INFO = b"tradefleet backup archive v1"


def _derive(key: str, salt: bytes) -> tuple[bytes, bytes]:
    if len(key) < MIN_KEY_LENGTH:
        # A short passphrase would make HKDF the weak link; the docs show how to make a key.
        raise ValueError(f"BACKUP_ENCRYPTION_KEY must be at least {MIN_KEY_LENGTH} characters.")
    material = HKDF(algorithm=hashes.SHA256(), length=32 + _CHECK_LEN, salt=salt, info=_INFO).derive(
        key.encode()
    )
    return material[:32], material[32:]


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">Q?", index, final)


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def encrypt_file(src: Path, dst: Path, key: str) -> None:
    salt = os.urandom(_SALT_LEN)
    file_key, check = _derive(key, salt)
    aead = AESGCM(file_key)
    header = _HEADER.pack(MAGIC, salt, check, CHUNK_SIZE)
    try:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            fout.write(header)
            index = 0
            chunk = fin.read(CHUNK_SIZE)
            while True:
                # Read one ahead so the last chunk (possibly empty) carries the final flag.
                following = fin.read(CHUNK_SIZE) if len(chunk) == CHUNK_SIZE else b""
                final = not following
                nonce = os.urandom(_NONCE_LEN)
                sealed = aead.encrypt(nonce, chunk, _aad(header, index, final))
                fout.write(_FRAME.pack(nonce, final, len(sealed)))
                fout.write(sealed)
                if final:
                    break
                chunk, index = following, index + 1
    except BaseException:
        dst.unlink(missing_ok=True)
        raise


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ArchiveTampered("The encrypted archive is truncated.")
    return data


def decrypt_file(src: Path, dst: Path, key: str) -> None:
    try:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            header = fin.read(_HEADER.size)
            if len(header) != _HEADER.size or not header.startswith(MAGIC):
                raise ArchiveTampered("The file is not an encrypted Tradefleet backup.")
            _, salt, check, chunk_size = _HEADER.unpack(header)
            file_key, expected_check = _derive(key, salt)
            if not hmac.compare_digest(check, expected_check):
                raise WrongKey("BACKUP_ENCRYPTION_KEY is not the key this backup was encrypted with.")
            aead = AESGCM(file_key)
            index = 0
            while True:
                nonce, final, length = _FRAME.unpack(_read_exact(fin, _FRAME.size))
                if length > chunk_size + _TAG_LEN:
                    raise ArchiveTampered("The encrypted archive has a malformed chunk.")
                sealed = _read_exact(fin, length)
                try:
                    fout.write(aead.decrypt(nonce, sealed, _aad(header, index, final)))
                except InvalidTag as exc:
                    raise ArchiveTampered(
                        f"The encrypted archive failed authentication at chunk {index}."
                    ) from exc
                if final:
                    break
                index += 1
            if fin.read(1):
                raise ArchiveTampered("The encrypted archive has data after its final chunk.")
    except BaseException:
        dst.unlink(missing_ok=True)
        raise
