"""Import every rule module so its rules are registered."""

from exchange.policy import accounts, digests, export, practices, search  # noqa: F401
