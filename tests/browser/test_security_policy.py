"""The Content-Security-Policy (no inline script) leaves the pages working
in real Chromium; the page fixture fails a test on any blocked resource."""

import pytest

from tests.base import seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_policy_blocks_an_injected_inline_script(live_server, browser):
    # Its own page: the blocked script is the point here, not a failure.
    page = browser.new_page()
    article = seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    assert "script-src 'self'" in page.evaluate("() => fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    violations = page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', e => resolve(e.violatedDirective));
            const s = document.createElement('script');
            s.textContent = 'window.injected = true';
            document.body.appendChild(s);
            setTimeout(() => resolve('none'), 2000);
        })"""
    )
    assert violations.startswith("script-src")
    assert page.evaluate("window.injected === undefined")
    page.close()


def test_api_docs_render_without_inline_script(live_server, page, artifacts_dir):
    page.goto(live_server.url + "/api/docs/")
    page.get_by_text("newsroom API").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "api-docs-csp.png"))
