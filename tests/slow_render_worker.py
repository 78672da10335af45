"""A Celery worker whose agreement rendering first waits TEST_RENDER_DELAY seconds: the
fault tests kill it mid-render. Fault injection lives here, in the tests, not in the product.

    python -m tests.slow_render_worker worker --pool=prefork ...
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from applications.services import agreements

    delay = float(os.environ.get("TEST_RENDER_DELAY", "0"))
    real_render = agreements.render_pdf

    def slow_render(*args, **kwargs):
        time.sleep(delay)
        return real_render(*args, **kwargs)

    agreements.render_pdf = slow_render
    from portal.celery import app

    app.worker_main(sys.argv[1:])


if __name__ == "__main__":
    main()
