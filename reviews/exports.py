"""Scores, ranking and selection for the committee's minutes. Reviewers appear as
numbered panel members (위원 1, 2, …), never by name."""

from __future__ import annotations

from django.db.models import CharField, F
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Export, SelectionRound
from applications.services import exports
from reviews.models import Criterion, Review
from reviews.services.selection import compute_ranking


def header(export: Export) -> list[str]:
    if export.kind == "scores":
        criteria = [c.name for c in _criteria(export)]
        return [_("Receipt number"), _("Panel"), _("Reviewer"), *criteria, _("Total"), _("Submitted")]
    if export.kind == "ranking":
        return [_("Rank"), _("Receipt number"), _("Company"), _("Reviews"), _("Aggregated"), _("Bonus"), _("Final"), _("Grant requested")]
    return [_("Rank"), _("Receipt number"), _("Company"), _("Final"), _("Decision"), _("Grant"), _("Reason for the change")]


def _criteria(export: Export) -> list[Criterion]:
    """The rubric's criteria; none for a call whose rubric is not set up yet (an empty table, not a retry loop)."""
    return list(Criterion.objects.filter(rubric__call=export.call).order_by("order", "pk"))


def _reviews(export: Export):
    return Review.objects.filter(assignment__panel__call=export.call, status=Review.Status.SUBMITTED)


def _final_round(export: Export) -> SelectionRound | None:
    return export.call.selection_rounds.order_by("-finalized_at", "-created_at").first()


def count(export: Export) -> int:
    if export.kind == "scores":
        return _reviews(export).count()
    if export.kind == "ranking":
        return Application.objects.filter(call=export.call, state="under_review").count()
    selection_round = _final_round(export)
    return selection_round.items.count() if selection_round else 0


def rows(export: Export):
    if export.kind == "scores":
        criteria = _criteria(export)
        numbers: dict[tuple[int, int], int] = {}
        queryset = _reviews(export).select_related("assignment__application", "assignment__panel").prefetch_related("scores")
        for review in queryset.order_by("assignment__application__receipt_number", "assignment__reviewer_id").iterator(chunk_size=500):
            panel = review.assignment.panel
            key = (panel.pk, review.assignment.reviewer_id)
            numbers.setdefault(key, len([k for k in numbers if k[0] == panel.pk]) + 1)
            values = {s.criterion_id: s.value for s in review.scores.all()}
            yield [review.assignment.application.receipt_number, panel.name, _("Member %(n)d") % {"n": numbers[key]},
                   *(float(values.get(c.pk, 0)) for c in criteria), float(review.total or 0),
                   timezone.localtime(review.submitted_at).strftime("%Y-%m-%d %H:%M") if review.submitted_at else ""]
    elif export.kind == "ranking":

        ranking = compute_ranking(export.call, with_decided=True)
        # The name each application was submitted under, as the queue export prints it (a draft has no frozen facts).
        names = dict(Application.objects.filter(call=export.call)
                     .values_list("pk", Coalesce(KT("company_facts__name"), F("company__name"), output_field=CharField())))
        for c in ranking.candidates:
            yield [c.rank, c.receipt_number, names.get(c.application_id, ""), c.reviews, float(c.aggregated), float(c.bonus),
                   float(c.final), c.grant]
    else:
        selection_round = _final_round(export)
        if selection_round is None:
            return
        for item in selection_round.items.select_related("application__company").order_by("rank"):
            yield [item.rank, item.application.receipt_number, item.application.company_submitted.name, float(item.final),
                   str(item.get_decision_display()), item.grant, item.override_reason]


# The evaluation's exports, beside the screening queue's (applications/services/exports.py).
for _name in ("scores", "ranking", "selection"):
    exports.register(_name, exports.ExportKind(header=header, count=count, rows=rows))
