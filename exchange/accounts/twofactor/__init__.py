"""The second factor: TOTP with single-use recovery codes, the code step of signing in, remembered devices."""
