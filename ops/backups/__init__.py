"""Database and file backups: the archive and its manifest, verify, restore, retention, the
schedule and the admin page's API."""
