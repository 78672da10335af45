"""Write every state machine (the application, the agreement, place offers, appeals, review
assignments, reviews, the portal's ownership claims, and those the apps above register:
projects, payment requests), read from the models' transitions and the transition tables (the
life cycle's `TRANSITIONS`, the claims' `CLAIM_TRANSITIONS`), as Mermaid diagrams with a table
each into docs/application-states.md (`--check` fails when the file is out of date)."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from applications.lifecycle.runner import MACHINES, REGISTERED, TRANSITIONS
from portal.services.claims import CLAIM_TRANSITIONS

TARGET = Path(settings.BASE_DIR) / "docs" / "application-states.md"

TITLES = {"application": "Application (신청서)", "agreement": "Agreement (협약)", "offer": "Place offer (차순위 선정 제안)",
          "appeal": "Appeal (이의신청)", "assignment": "Review assignment (평가 배정)", "review": "Review (평가표)",
          "claim": "Ownership claim (기업 소유권 이전 신청)"}

# Machines below the life-cycle package, run by their own service with an audit record
# instead of an application event: (model, state field, their table).
PORTAL_MACHINES = {"claim": ("portal.CompanyClaim", "status", CLAIM_TRANSITIONS)}


def _model(machine: str):
    label, field = MACHINES[machine] if machine in MACHINES else PORTAL_MACHINES[machine][:2]
    model = apps.get_model(label)
    return model, model._meta.get_field(field)


def _table(machine: str) -> dict:
    return TRANSITIONS[machine] if machine in TRANSITIONS else PORTAL_MACHINES[machine][2]


def diagram(machine: str) -> str:
    model, field = _model(machine)
    lines = ["stateDiagram-v2", f"    [*] --> {field.default}"]
    edges = set()
    for transition in field.get_all_transitions(model):
        who = transition.permission or _table(machine)[transition.name].by
        targets = getattr(transition.target, "allowed_states", None) or [transition.target]
        sources = [transition.source] if transition.source != "*" else [value for value, _label in field.choices]
        for source in sources:
            for target in targets:
                edges.add((source, target or source, f"{transition.name} ({who.split('.')[-1]})"))
    for source, target, label in sorted(edges):
        lines.append(f"    {source} --> {target}: {label}")
    outgoing = {source for source, _target, _label in edges}
    for value, _label in field.choices:
        if value not in outgoing:
            lines.append(f"    {value} --> [*]")
    return "\n".join(lines)


def table(machine: str) -> str:
    if machine in PORTAL_MACHINES:
        rows = ["| transition | by | audit record | confirmed first |", "|---|---|---|---|"]
        rows += [f"| `{name}` | {transition.by} | `{transition.audit.value}` | {'yes' if transition.confirm else ''} |"
                 for name, transition in _table(machine).items()]
        return "\n".join(rows)
    rows = ["| transition | by | event | duty a tied person may not do | notice | confirmed first |", "|---|---|---|---|---|---|"]
    for name, transition in TRANSITIONS[machine].items():
        event = f"`{transition.event.value}`" if transition.event else "(with another machine's)"
        rows.append(f"| `{name}` | {transition.by} | {event} | {transition.duty or ''} | {transition.notice or ''} | "
                    f"{'yes' if transition.confirm else ''} |")
    return "\n".join(rows)


def document() -> str:
    parts = [
        "# Life cycles\n\n"
        "Generated from the models' transitions and `applications/lifecycle/runner.py` (`TRANSITIONS`) by "
        "`manage.py draw_states`; do not edit by hand. Each arrow is a transition with the permission that guards it "
        "(or who runs it: `system` is a periodic job or the worker). Every transition runs through "
        "`applications.lifecycle.runner` (`begin` → `apply` → `finish`), which writes the event and the notice the table names; "
        "an ownership claim, below the life cycle in the portal, moves only in `portal/services/claims.py`, which writes the "
        "audit record its table (`CLAIM_TRANSITIONS`) names.\n"
    ]
    for machine in [*MACHINES, *PORTAL_MACHINES]:
        model, field = _model(machine)
        labels = "\n".join(f"| `{value}` | {label} |" for value, label in field.choices)
        title = TITLES[machine] if machine in TITLES else REGISTERED[machine].title
        parts.append(f"## {title}\n\n`{model._meta.label}.{field.name}`\n\n```mermaid\n{diagram(machine)}\n```\n\n"
                     f"| state | Korean |\n|---|---|\n{labels}\n\n{table(machine)}\n")
    return "\n".join(parts)


class Command(BaseCommand):
    help = "Generate docs/application-states.md from the state machines."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the committed diagram is out of date")

    def handle(self, *args, check: bool = False, **options) -> None:
        from django.utils import translation

        with translation.override("ko"):
            text = document()
        if check:
            if not TARGET.exists() or TARGET.read_text() != text:
                raise CommandError(f"{TARGET} is out of date: run manage.py draw_states")
            return
        TARGET.write_text(text)
        self.stdout.write(f"Wrote {TARGET}")
