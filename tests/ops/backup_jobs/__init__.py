"""Backups as the admin runs them: the schedule, retention, encryption, S3 and the API (ops/backups)."""
