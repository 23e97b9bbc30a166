"""People, roles, sign-in and coaching assignments."""
