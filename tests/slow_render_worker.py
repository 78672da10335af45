"""A Celery worker whose agreement rendering, with TEST_RENDER_HOLD=1, stops inside the render
(its transaction holding the version's row lock) until the process is killed: the fault
tests kill it mid-render. Fault injection lives here, in the tests, not in the product.

    python -m tests.slow_render_worker worker --pool=prefork ...
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from applications.services import agreements

    hold = os.environ.get("TEST_RENDER_HOLD") == "1"
    real_render = agreements.render_pdf

    def slow_render(*args, **kwargs):
        while hold:  # blocked until a signal ends the process, no time guessed
            signal.pause()
        return real_render(*args, **kwargs)

    agreements.render_pdf = slow_render
    from portal.celery import app

    app.worker_main(sys.argv[1:])


if __name__ == "__main__":
    main()
