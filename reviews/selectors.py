"""Reads for evaluation and selection, narrowed to what the person may see.

A reviewer reaches only their own assignments that are still theirs (never one removed for a
conflict, nor one of a company they have become tied to); an officer only the calls, panels,
reviews, rounds and appeals of the programs they run (an administrator reads them all and
changes none). Each `*_for_reviewer` / `*_for_officer` function that returns one object is
its one access path (404 for anyone who may not know of it, 403 for someone who may see it
but not act on it), as `applications.selectors.application_for_user` is the application's;
the lists take the person and return querysets already narrowed to them. Views call these
and never build an evaluation query of their own."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from applications.models import Appeal, Application, ApplicationDocument, Call, FormField, SelectionItem, SelectionRound
from applications.selectors import call_for_officer
from portal.duties import refuse_if_tied
from portal.models import StaffTie, User
from portal.roles import roles_of
from reviews.models import Assignment, Criterion, Panel, PanelMember, Review, Rubric
from reviews.services import selection

# --- The reviewer -------------------------------------------------------------------------------


def assignments_for_reviewer(user: User) -> QuerySet[Assignment]:
    """The reviewer's desk: their assignments not removed for a conflict, without the
    applications of a company they have become tied to since (portal/duties.py)."""
    return (
        Assignment.objects.filter(reviewer=user).exclude(status=Assignment.Status.CONFLICT)
        .exclude(application__company__memberships__user=user)
        .exclude(application__company__business_number__in=StaffTie.objects.filter(person=user).values("business_number"))
        .select_related("panel__call", "application").order_by("panel__due_at", "application__receipt_number")
    )


def desk_progress(assignments: QuerySet[Assignment]) -> dict:
    """How many of these assignments there are, and how many are scored (one query)."""
    return assignments.aggregate(total=Count("pk"), submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)))


def assignment_for_reviewer(user: User, pk: int, *, for_update: bool = False) -> Assignment:
    """The one way a reviewer reaches an assignment (404 for anyone else, and once removed)."""
    queryset = Assignment.objects.select_related("panel__call__rubric", "application__company", "application__call")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    assignment = queryset.filter(pk=pk).first()
    if assignment is None or not user.has_perm("reviews.review_assignment", assignment):
        raise Http404(_("No such assignment."))
    return assignment


def assignment_to_read(user: User, pk: int) -> Assignment:
    """The reviewer's assignment, to read the application or score it. A reviewer who has become
    tied to the company since the assignment (joined it, or a tie was recorded) no longer reads
    it: refused and recorded (portal/duties.py). Declaring the conflict stays open to them."""
    assignment = assignment_for_reviewer(user, pk)
    refuse_if_tied(user, assignment.application.company, action="review", target=assignment)
    return assignment


def review_for_reviewer(user: User, assignment: Assignment) -> Review | None:
    """The reviewer's own review of `assignment` (reached through `assignment_to_read`), with its scores."""
    return Review.objects.filter(assignment=assignment, assignment__reviewer=user).prefetch_related("scores").first()


def _own(user: User, assignment: Assignment) -> Assignment:
    if assignment.reviewer_id != user.pk:
        raise Http404(_("No such assignment."))
    return assignment


def criteria_for_reviewer(user: User, assignment: Assignment) -> QuerySet[Criterion]:
    """The criteria the reviewer scores the assignment on, in the rubric's order."""
    return _own(user, assignment).panel.call.rubric.criteria.all()


def form_fields_for_reviewer(user: User, assignment: Assignment) -> QuerySet[FormField]:
    """The questions of the form the reviewer's assigned application answered, in their order."""
    return (FormField.objects.filter(section__form=_own(user, assignment).application.form_version)
            .select_related("section").order_by("section__order", "section__pk", "order", "pk"))


def documents_for_reviewer(user: User, assignment: Assignment, *, blind: bool) -> list[ApplicationDocument]:
    """The application's documents, as the reviewer may read them: none in a blind review."""
    return [] if blind else list(_own(user, assignment).application.documents.select_related("requirement"))


def document_for_reviewer(user: User, pk: int, document_pk: int) -> ApplicationDocument:
    """One document of the reviewer's assigned application: only after the conflict declaration,
    never in a blind review."""
    assignment = assignment_to_read(user, pk)
    if assignment.status == Assignment.Status.ASSIGNED or assignment.panel.call.rubric.blind:
        raise PermissionDenied(_("Documents are not shown before the conflict declaration, nor in a blind review."))
    return get_object_or_404(assignment.application.documents, pk=document_pk)


def ties_of(user: User) -> QuerySet[StaffTie]:
    """The ties the person declared, or an officer recorded for them (이해관계 신고), newest first."""
    return StaffTie.objects.filter(person=user).order_by("-created_at")


# --- The officer --------------------------------------------------------------------------------


def _run_by(user: User, queryset: QuerySet, program: str) -> QuerySet:
    """`queryset` narrowed to the programs `user` is an officer of (`program`: the lookup to the
    program); an administrator reads them all."""
    return queryset if roles_of(user).is_admin else queryset.filter(**{f"{program}__officer_links__user": user})


def call_for_evaluation(user: User, pk: int, *, manage: bool = True) -> Call:
    """A call whose evaluation the person reads (its program's officers and administrators;
    404 for anyone else) or, with `manage`, runs (its officers only; 403 for an administrator)."""
    call = call_for_officer(user, pk)
    if manage and not user.has_perm("reviews.manage_evaluation", call):
        raise PermissionDenied(_("Only the program's officers run its evaluation."))
    return call


def rubric_of(user: User, call: Call) -> Rubric:
    """The call's rubric; a call without one yet reads as the defaults, unsaved (reading writes nothing)."""
    return _run_by(user, Rubric.objects.filter(call=call), "call__program").first() or Rubric(call=call)


def criterion_for_officer(user: User, rubric: Rubric, pk: int) -> Criterion:
    """A criterion of the rubric of a call the person runs (reached through `call_for_evaluation`)."""
    if rubric.pk is None:
        raise Http404(_("No such criterion."))
    return get_object_or_404(_run_by(user, rubric.criteria.all(), "rubric__call__program"), pk=pk)


def panels_of_call(user: User, call: Call) -> QuerySet[Panel]:
    """The call's panels with their numbers of members and of assignments."""
    return _run_by(user, call.panels.all(), "call__program").annotate(n_members=Count("members", distinct=True),
                                                                      n_assignments=Count("assignments", distinct=True))


def panel_for_officer(user: User, pk: int, *, manage: bool = False) -> Panel:
    """A panel of a call the person reads (or, with `manage`, runs)."""
    panel = get_object_or_404(Panel.objects.select_related("call__program"), pk=pk)
    call_for_evaluation(user, panel.call_id, manage=manage)
    return panel


def panel_members(user: User, panel: Panel) -> list[PanelMember]:
    return list(_run_by(user, panel.members.select_related("reviewer"), "panel__call__program"))


def panel_reviewer(user: User, panel: Panel, pk: int) -> User:
    """A member of the panel (of a call the person runs), by the account's id."""
    membership = get_object_or_404(_run_by(user, panel.members.select_related("reviewer"), "panel__call__program"), reviewer_id=pk)
    return membership.reviewer


def panel_assignments(user: User, panel: Panel) -> QuerySet[Assignment]:
    """The panel's assignments with their applications, reviewers and reviews."""
    return (_run_by(user, panel.assignments.all(), "panel__call__program").select_related("application__company", "reviewer", "review")
            .order_by("application__receipt_number", "reviewer__email"))


def panel_progress(user: User, panel: Panel) -> dict:
    """How many of the panel's reviews are due (conflicts left out) and how many are scored."""
    return _run_by(user, panel.assignments.all(), "panel__call__program").aggregate(
        total=Count("pk", filter=~Q(status=Assignment.Status.CONFLICT)),
        submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
    )


def assignment_for_officer(user: User, pk: int) -> Assignment:
    """An assignment of a call whose evaluation the person runs."""
    assignment = get_object_or_404(Assignment.objects.select_related("panel"), pk=pk)
    call_for_evaluation(user, assignment.panel.call_id)
    return assignment


def review_for_officer(user: User, pk: int) -> Review:
    """A review of a call whose evaluation the person runs."""
    review = get_object_or_404(Review.objects.select_related("assignment__panel"), pk=pk)
    call_for_evaluation(user, panel_for_officer(user, review.assignment.panel_id).call_id)
    return review


def application_by_receipt(user: User, call: Call, receipt_number: str) -> Application | None:
    """An application of a call the person runs, by its receipt number."""
    return _run_by(user, Application.objects.filter(call=call, receipt_number=receipt_number), "call__program").first()


def ranking_for_officer(user: User, call: Call) -> dict:
    """The call's ranking as the officer reads it: the first 500 candidates with their receipt
    numbers, the reviews that stray from their application's mean, and the last five rounds.
    What a final round decided stays ranked beside what is still under evaluation."""
    result = selection.compute_ranking(call, with_decided=True)
    receipts = dict(_run_by(user, Application.objects.filter(call=call, pk__in=[c.application_id for c in result.candidates[:500]]),
                            "call__program").values_list("pk", "receipt_number"))
    return {"ranking": result, "rows": result.candidates[:500], "receipts": receipts, "stray": result.stray[:100],
            "rounds": list(_run_by(user, call.selection_rounds.all(), "call__program")[:5])}


def round_for_officer(user: User, pk: int) -> SelectionRound:
    """A selection round of a call whose evaluation the person reads."""
    selection_round = get_object_or_404(SelectionRound.objects.select_related("call__program", "call__rubric"), pk=pk)
    call_for_evaluation(user, selection_round.call_id, manage=False)
    return selection_round


def round_items(user: User, selection_round: SelectionRound) -> list[SelectionItem]:
    """The round's first 1,000 items in rank order, with their applications and companies."""
    return list(_run_by(user, selection_round.items.select_related("application__company"), "round__call__program").order_by("rank")[:1000])


def round_decisions(user: User, selection_round: SelectionRound) -> QuerySet:
    """(decision, grant, application state) of every item of the round."""
    return _run_by(user, selection_round.items.all(), "round__call__program").values_list("decision", "grant", "application__state")


def final_round(user: User, call: Call) -> SelectionRound | None:
    """The call's final first round, once there is one."""
    rounds = call.selection_rounds.filter(kind=SelectionRound.Kind.INITIAL, finalized_at__isnull=False)
    return _run_by(user, rounds, "call__program").first()


def appeal_for_officer(user: User, pk: int) -> Appeal:
    """An appeal against a decision of a call whose evaluation the person runs."""
    appeal = get_object_or_404(Appeal.objects.select_related("application__call"), pk=pk)
    call_for_evaluation(user, appeal.application.call_id)
    return appeal
