"""Administration: people, coaching assignments, the audit log and reference data."""
