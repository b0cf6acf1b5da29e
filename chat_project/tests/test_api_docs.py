"""The interactive API docs (/api/docs/) come from this server alone.

Swagger UI is served from our static files (drf-spectacular-sidecar) instead of a CDN,
its start-up script is a file of its own (no inline script) and it fetches no
validator badge: the page works offline and under the Content-Security-Policy.
"""

import re


def test_api_docs_reference_no_external_host(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    references = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert references, html
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
    bundle = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert bundle in references
    assert client.get(bundle).status_code == 200
    assert "<style" not in html
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", html))

    # Swagger UI's start-up script is a file of its own, with no URL of another host
    # (and no validator badge, which Swagger UI would fetch from validator.swagger.io).
    (script_url,) = [r for r in references if r.startswith("/api/docs/?")]
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert re.findall(r"https?://", script.content.decode()) == []
    assert '"validatorUrl": null' in script.content.decode()
    assert "SwaggerUIBundle(" in script.content.decode()
