"""Atom feeds of published practices per theme and region, and of any search (`/zoeken/feed.atom?q=...`)."""
