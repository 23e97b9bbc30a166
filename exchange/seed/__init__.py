"""Seeding: reference data and clearly marked demo content."""
