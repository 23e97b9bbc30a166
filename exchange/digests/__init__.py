"""Theme subscriptions and email digests: double opt-in, one email per subscriber and period, one-click unsubscribe."""
