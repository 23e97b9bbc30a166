"""Import every rule module so its rules are registered."""

from exchange.policy import accounts, digests, documents, export, practices, search  # noqa: F401
