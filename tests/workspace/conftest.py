"""Fixtures of the workspace tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def page_of(client):
    """page_of(path) -> the HTML of a GET that must answer 200."""

    def get(path: str = "/werkruimte") -> str:
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    return get
