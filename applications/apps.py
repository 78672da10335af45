from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from applications import checks, permissions  # noqa: F401  (registers the checks and the rules)
        from portal import page_cache

        page_cache.connect()
