"""Server-Timing for the catalog: how long a request waited for its catalog view."""

from __future__ import annotations

from configurator import catalog


class CatalogTimingMiddleware:
    """Adds `Server-Timing: catalog;dur=<ms>` to every response: the time the request spent
    obtaining catalog views (the stamp query, and any wait, load or build of a view).

    After a catalog change a web process keeps answering from its previous view while the
    new one loads in the background, so this stays at the stamp query's cost; a request that
    had to load or build a view shows it here. Operators read it in the browser's network
    panel or a proxy's logs; the multi-host test asserts on it. While it runs, a background
    load of a new view steps aside (`catalog.answering`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with catalog.request_timing() as spent, catalog.answering():
            response = self.get_response(request)
        timing = f"catalog;dur={spent[0] * 1000:.1f}"
        existing = response.get("Server-Timing")
        response["Server-Timing"] = f"{existing}, {timing}" if existing else timing
        return response
