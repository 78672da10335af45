"""The steps of the application form: the call's own sections between fixed steps."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from applications.models import Application, FormSection


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    url: str


def steps_of(application: Application) -> list[Step]:
    def url(slug: str) -> str:
        return reverse("application_step", args=[application.pk, slug])

    steps = [Step("overview", _("Project"), url("overview"))]
    for section in FormSection.objects.filter(form=application.form_version).order_by("order", "pk"):
        slug = f"section-{section.pk}"
        steps.append(Step(slug, section.title, url(slug)))
    steps += [
        Step("budget", _("Budget"), url("budget")),
        Step("documents", _("Documents"), url("documents")),
        Step("declarations", _("Declarations"), url("declarations")),
        Step("review", _("Review and submit"), url("review")),
    ]
    return steps


def neighbours(steps: list[Step], slug: str) -> tuple[Step | None, Step | None]:
    index = next(i for i, step in enumerate(steps) if step.slug == slug)
    return (steps[index - 1] if index > 0 else None, steps[index + 1] if index + 1 < len(steps) else None)
