"""The interactive API docs render from our own copy of Swagger UI under the page policy
(no CDN, no inline script): a developer sees the operations; the page logs no error (a
blocked script would)."""

from __future__ import annotations

import pytest

from tests.web.browser.helpers import Page, expect

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_the_csp(page: Page) -> None:
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("huying")
    expect(page.locator(".opblock").first).to_be_visible()
