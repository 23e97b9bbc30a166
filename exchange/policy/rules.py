"""Import every rule module so its rules are registered."""
from exchange.policy import accounts, digests, practices  # noqa: F401
