"""Import of the old single-user NSE service's JSON files (docs/user-guide/legacy-import.md)."""
