"""General pages: home, health check, about and accessibility statement."""
