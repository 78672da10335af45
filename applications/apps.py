from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # Registers the checks, the rules, and what it holds about people with its retention.
        from django_fsm.signals import pre_transition

        from applications import checks, permissions, personal_data  # noqa: F401
        from applications.lifecycle import runner
        from applications.selectors import seconds_until_next_call_change
        from portal import page_cache, roles
        from portal.services import head_log

        page_cache.connect(until_next_change=seconds_until_next_call_change)
        roles.register_role("is_officer", "applications.ProgramOfficer")
        head_log.register_chain(records="applications.Application", events="applications.ApplicationEvent")
        pre_transition.connect(runner.refuse_outside_runner, dispatch_uid="transitions-only-through-the-runner")
