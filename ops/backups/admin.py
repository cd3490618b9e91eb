"""Backups in Django admin: history to read. Making, verifying and scheduling backups happen on
Admin → Backups in the web app (schedule.py), restoring from the command line."""

from __future__ import annotations

from django.contrib import admin

from config.admin_readonly import ReadOnlyAdmin

from .models import Backup


@admin.register(Backup)
class BackupAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "trigger", "status", "progress", "size_bytes", "encrypted", "verify_status")
    list_filter = ("status", "verify_status", "trigger", "encrypted")
    search_fields = ("file_name", "sha256", "remote_key")
    date_hierarchy = "created_at"
