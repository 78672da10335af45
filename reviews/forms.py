from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms import KSTDateTimeInput
from portal.identifiers import digits_only, validate_business_number
from portal.models import StaffTie
from reviews.models import BonusItem, Criterion, Panel, Rubric


class RubricForm(forms.ModelForm):
    class Meta:
        model = Rubric
        fields = ["cutoff", "aggregation", "trim_min_reviewers", "max_bonus", "blind", "appeal_days", "stray_points"]

    tie_break = forms.MultipleChoiceField(label=_("tie-break order (most decisive first)"), required=False,
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A call's rubric is saved with the officer's first change: before that it has no criteria to order.
        criteria = list(self.instance.criteria.all()) if self.instance.pk else []
        self.fields["tie_break"].choices = [(str(c.pk), c.name) for c in criteria]
        self.initial["tie_break"] = [str(c) for c in self.instance.tie_break or []]
        if not criteria:
            self.fields["tie_break"].help_text = _("Add criteria first: ties are broken by the criteria you choose here, in order.")
        if self.instance.pk and self.instance.is_locked:
            # Reviewing has started: the rules are shown as they are, not as inputs that could never be saved.
            for field in self.fields.values():
                field.disabled = True

    def clean_tie_break(self) -> list[int]:
        return [int(c) for c in self.cleaned_data["tie_break"]]


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["name_ko", "name_en", "description", "max_score", "weight"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class BonusForm(forms.ModelForm):
    class Meta:
        model = BonusItem
        fields = ["name_ko", "name_en", "source", "points"]


class PanelForm(forms.ModelForm):
    class Meta:
        model = Panel
        fields = ["name", "stage", "reviewers_per_application", "due_at"]
        widgets = {"due_at": KSTDateTimeInput()}


class PanelExtendForm(forms.Form):
    due_at = forms.DateTimeField(label=_("new due time"), widget=KSTDateTimeInput())
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class InviteReviewerForm(forms.Form):
    email = forms.EmailField(label=_("reviewer's e-mail address"), max_length=254)
    name = forms.CharField(label=_("name"), max_length=100, required=False)


class ManualAssignForm(forms.Form):
    receipt_number = forms.CharField(label=_("receipt number"), max_length=40)
    reviewer = forms.ChoiceField(label=_("reviewer"))

    def __init__(self, *args, members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = [(m.reviewer_id, str(m.reviewer)) for m in members]


class TieForm(forms.Form):
    reviewer = forms.ChoiceField(label=_("reviewer"))
    business_number = forms.CharField(label=_("business registration number"), max_length=20)
    kind = forms.ChoiceField(label=_("tie"), choices=StaffTie.Kind.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = [(m.reviewer_id, str(m.reviewer)) for m in members]

    def clean_business_number(self) -> str:

        number = digits_only(self.cleaned_data["business_number"])
        validate_business_number(number)
        return number


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
