"""Engine documents for tests that build small indexes of their own (tests/search/test_*.py)."""

from __future__ import annotations


def numbered_practices(count: int, start: int) -> list[dict]:
    """`count` published practice documents from number `start` on, each saying "jeugdhulp en wachtlijst",
    spread over five regions."""
    return [
        {
            "key": f"practice:{i}",
            "type": "practice",
            "status": "published",
            "title": f"Titel {i}",
            "body": f"Jeugdhulp en wachtlijst nummer {i}.",
            "facets": [f"region:{i % 5}"],
        }
        for i in range(start, start + count)
    ]
