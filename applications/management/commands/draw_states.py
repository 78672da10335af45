"""Write the application life cycle, read from the model's transitions, as a Mermaid
diagram into docs/application-states.md (`--check` fails when the file is out of date)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from applications.models import Application, State

TARGET = Path(settings.BASE_DIR) / "docs" / "application-states.md"


def diagram() -> str:
    field = Application._meta.get_field("state")
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    edges = set()
    for transition in field.get_all_transitions(Application):
        who = transition.permission or "system"
        targets = getattr(transition.target, "allowed_states", None) or [transition.target]
        for target in targets:
            edges.add((transition.source, target, f"{transition.name} ({who.split('.')[-1]})"))
    for source, target, label in sorted(edges):
        lines.append(f"    {source} --> {target}: {label}")
    for final in (State.INELIGIBLE, State.REJECTED, State.WITHDRAWN):
        lines.append(f"    {final} --> [*]")
    return "\n".join(lines)


def document() -> str:
    labels = "\n".join(f"| `{value}` | {State(value).label} |" for value in State.values)
    return (
        "# Application life cycle\n\n"
        "Generated from `applications/models/application.py` by `manage.py draw_states`; do not edit by hand.\n"
        "Each arrow is a transition with the permission that guards it (`system`: run by a periodic job).\n\n"
        f"```mermaid\n{diagram()}\n```\n\n| state | Korean |\n|---|---|\n{labels}\n"
    )


class Command(BaseCommand):
    help = "Generate docs/application-states.md from the state machine."

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
