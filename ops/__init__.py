"""Running the platform: backups with verify and restore (`ops.backups`), the performance
dashboard and its alerts (`ops.monitoring`). Neither imports `trading`."""
