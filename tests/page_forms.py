"""Filling in the server-rendered pages' forms in tests: CSRF fields and signing in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def csrf_field(html: str) -> str:
    """The page's CSRF token (the first ``csrf_token`` field)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in_through_form(client: TestClient, prefix: str, name: str, password: str) -> str:
    """Sign in at ``<prefix>/login`` as a person would; returns the session's CSRF token."""
    form = client.get(f"{prefix}/login")
    response = client.post(
        f"{prefix}/login",
        data={"name": name, "password": password, "csrf_token": csrf_field(form.text)},
    )
    assert response.status_code == 303, response.text
    return csrf_field(client.get(prefix).text)
