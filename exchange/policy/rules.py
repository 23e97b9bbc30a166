"""Import every rule module so its rules are registered."""
from exchange.policy import accounts, practices  # noqa: F401
