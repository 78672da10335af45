from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from portal import permissions, roles  # noqa: F401  (registers the rules)
        from portal.services import retention  # noqa: F401  (registers the portal's retention rules)

        roles.connect()
