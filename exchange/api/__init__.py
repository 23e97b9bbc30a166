"""Read-only JSON API under /api/v1 with stable identifiers."""
