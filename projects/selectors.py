"""Reads of projects and their payments, narrowed to what the person may see; and what the
pages of the layers below show of projects (registered in apps.py)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.selectors import Beside
from portal.roles import roles_of
from projects.models import PaymentRequest, PaymentState, Project, ProjectState


def project_for_user(user, pk: int) -> Project:
    """The one way views reach a project: 404 for anyone who may not see it."""
    project = (Project.objects.select_related("application__call__program", "application__company", "agreement")
               .filter(pk=pk).first())
    if project is None or not user.has_perm("projects.view_project", project):
        raise Http404(_("No such project."))
    return project


def payment_for_user(user, pk: int) -> PaymentRequest:
    """A payment request through its project (404 for anyone who may not see the project)."""
    payment = PaymentRequest.objects.filter(pk=pk).values_list("project_id", flat=True).first()
    if payment is None:
        raise Http404(_("No such payment request."))
    project = project_for_user(user, payment)
    found = PaymentRequest.objects.select_related("payment").get(pk=pk)
    found.project = project
    return found


def projects_for_officer(user) -> QuerySet[Project]:
    """The projects of the programs the person is an officer of (every project for an administrator)."""
    projects = Project.objects.all()
    if not roles_of(user).is_admin:
        projects = projects.filter(application__call__program__officer_links__user=user)
    return projects


WAITING = (PaymentState.REQUESTED, PaymentState.APPROVED)


def project_list(user, *, state: str = "", waiting: bool = False) -> QuerySet[Project]:
    """The officer's list: newest first, with what was paid and the requests waiting for a
    decision or a payment counted in SQL (one query per page); `waiting`: only projects with such a request."""
    projects = projects_for_officer(user)
    if state:
        projects = projects.filter(state=state)
    if waiting:
        projects = projects.filter(Exists(PaymentRequest.objects.filter(project=OuterRef("pk"), state__in=WAITING)))
    return (projects.select_related("application__company", "application__call")
            .annotate(paid=Sum("payments__payment__amount"),
                      waiting=Count("payments", filter=Q(payments__state__in=WAITING)))
            .order_by("-opened_at", "-pk"))


def state_counts(user) -> list[tuple[str, str, int]]:
    """(state, label, number of projects) for the list's filter, in one query."""
    counts = dict(projects_for_officer(user).order_by().values_list("state").annotate(n=Count("pk")))
    return [(state, label, counts.get(state, 0)) for state, label in ProjectState.choices]


def projects_beside(user, application_ids: list[int]) -> dict[int, list[Beside]]:
    """The company's dashboard: the project beside each application whose agreement opened one."""
    found = Project.objects.filter(application_id__in=application_ids).only("pk", "number", "state", "application_id")
    return {project.application_id: [Beside(text=_("Project %(number)s") % {"number": project.number},
                                            url=reverse("project_detail", args=[project.pk]), status=project.get_state_display())]
            for project in found}


def desk_items(user) -> list[tuple[str, str, int]]:
    """The officer's desk: payment requests waiting for a decision or a payment, and the projects under way."""
    projects = projects_for_officer(user)
    counts = PaymentRequest.objects.filter(project__in=projects).aggregate(
        requested=Count("pk", filter=Q(state=PaymentState.REQUESTED)), approved=Count("pk", filter=Q(state=PaymentState.APPROVED)))
    running = projects.filter(state=ProjectState.IN_PROGRESS).count()
    url = reverse("officer_projects")
    return [(_("Payment requests waiting for your decision"), f"{url}?waiting=1", counts["requested"]),
            (_("Approved payments waiting to be paid"), f"{url}?waiting=1", counts["approved"]),
            (_("Projects in progress"), f"{url}?state={ProjectState.IN_PROGRESS}", running)]


# The project pages read company data (its account, its money): staff reads of them are recorded (portal/access.py).
RECORDED_PAGES = {
    "officer_projects": ("list", ""),
    "officer_project": ("view", "projects.project"),
    "project_detail": ("view", "projects.project"),
    "payment_order_pdf": ("download", "projects.paymentrequest"),
    "project_ledger": ("view", "projects.project"),
    "officer_project_ledger": ("view", "projects.project"),
}
PAGE_LABELS = {
    "officer_projects": gettext_lazy("The projects, on the officer's list"),
    "officer_project": gettext_lazy("A project, on the officer's page"),
    "project_detail": gettext_lazy("A project, on the company's page"),
    "payment_order_pdf": gettext_lazy("A payment order (PDF)"),
    "project_ledger": gettext_lazy("A project's expenditure ledger, on the company's page"),
    "officer_project_ledger": gettext_lazy("A project's expenditure ledger, on the officer's page"),
}
