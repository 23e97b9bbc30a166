"""Practices (praktijkvoorbeelden), their results, cycle steps, revisions and coaching feedback."""
