"""What projects hold about a person (portal/personal_data.py): the projects of their
companies are records about them, so that staff reads of those pages (접속기록) appear in the
person's own copy. The timeline keeps who acted, under the person's pseudonym once they leave."""

from __future__ import annotations

from django.db.models import Q

from portal import personal_data
from portal.personal_data import Holder
from projects.models import PaymentRequest, Project


def _about(user) -> list[tuple[str, list[str]]]:
    projects = Project.objects.filter(Q(application__company__memberships__user=user) | Q(application__created_by=user)).distinct()
    project_ids = list(projects.values_list("pk", flat=True))
    payment_ids = PaymentRequest.objects.filter(project_id__in=project_ids).values_list("pk", flat=True)
    return [("projects.project", [str(pk) for pk in project_ids]), ("projects.paymentrequest", [str(pk) for pk in payment_ids])]


personal_data.register(Holder(name="projects", about=_about))
