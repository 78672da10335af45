"""The steps of the application form: the call's own sections between fixed steps."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from applications.models import Application, FormSection, FormStep, section_step


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    url: str


def steps_of(application: Application) -> list[Step]:
    def url(slug: str) -> str:
        return reverse("application_step", args=[application.pk, slug])

    def fixed(step: FormStep) -> Step:
        return Step(step.value, str(step.label), url(step.value))

    steps = [fixed(FormStep.OVERVIEW)]
    for section in FormSection.objects.filter(form=application.form_version).order_by("order", "pk"):
        slug = section_step(section.pk)
        steps.append(Step(slug, section.title, url(slug)))
    steps += [fixed(step) for step in (FormStep.BUDGET, FormStep.DOCUMENTS, FormStep.DECLARATIONS, FormStep.REVIEW)]
    return steps


def neighbours(steps: list[Step], slug: str) -> tuple[Step | None, Step | None]:
    index = next(i for i, step in enumerate(steps) if step.slug == slug)
    return (steps[index - 1] if index > 0 else None, steps[index + 1] if index + 1 < len(steps) else None)
