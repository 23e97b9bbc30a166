"""Full-text search. Only exchange.search.engine imports whoosh."""
