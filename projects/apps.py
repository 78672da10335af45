from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        # Registers the rules, what it holds about people, the two machines with the runner, the
        # project's hash chain, the agency's duties, the opening of a project when an agreement is
        # executed, and what the pages below (the company's dashboard, the officer's desk, access
        # records) show of projects.
        from applications import selectors
        from applications.lifecycle import runner
        from portal import access, duties
        from portal.services import head_log
        from projects import machines, permissions, personal_data, services, timeline  # noqa: F401
        from projects import selectors as own

        machines.register()
        head_log.register_chain(key=timeline.CHAIN, records="projects.Project", events="projects.ProjectEvent", record="project",
                                noun="project", verify=timeline.verify_chain)
        duties.register_duty("project", _("deciding on this company's project"), "projects.manage_project")
        duties.register_duty("payment", _("deciding on this company's payments"), "projects.manage_payments")
        runner.on_finish("application", "execute_agreement", services.project_open_on_execution)
        selectors.register_beside_application(own.projects_beside)
        selectors.register_desk_item(own.desk_items)
        access.RECORDED_PAGES.update(own.RECORDED_PAGES)
        access.PAGE_LABELS.update(own.PAGE_LABELS)
