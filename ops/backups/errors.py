"""What can go wrong with an archive, in words an operator can act on."""

from __future__ import annotations


class BackupError(Exception):
    """A backup, verification or restore could not be done; the message says why."""


class ArchiveTampered(BackupError):
    """The archive is not byte for byte what was written: a checksum or authentication failed."""


class ArchiveTooNew(BackupError):
    """The archive was written by a newer version: it has migrations this code does not know."""


class DatabaseNotEmpty(BackupError):
    """Restoring would overwrite data; the operator must say so (`--force`)."""


class WrongKey(BackupError):
    """The archive is encrypted with another BACKUP_ENCRYPTION_KEY than the one configured."""
