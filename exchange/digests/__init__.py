"""Theme subscriptions and email digests: double opt-in, one email per subscriber per period, one-click unsubscribe."""
