from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # Registers the rules, what it holds about people, and its kinds of export.
        from portal import roles
        from reviews import exports, permissions, personal_data  # noqa: F401

        roles.register_role("is_reviewer", "reviews.ReviewerProfile", is_active=True)
