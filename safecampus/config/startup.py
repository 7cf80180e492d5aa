"""What a serving process does once, before its first request.

`settle()` imports every view (through the URLconf) and then freezes the objects alive at
that point (`gc.freeze`): the collector's full passes then skip Django's, the apps' and the
libraries' long-lived objects instead of walking them all again. Unfrozen, one such pass
cost some 80 ms and fell on about one request in four of a province's dashboard (p50 55 ms,
p95 150 ms under `safecampus bench`); frozen, the runs keep to their p50.
"""

import gc


def settle() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views and all they import)
    gc.freeze()
