from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import DateInput, KRWField
from projects.models import ACCOUNT_NUMBER, EvidenceKind

REASON_MAX = 2000


class AccountForm(forms.Form):
    bank = forms.CharField(label=_("bank"), max_length=40)
    number = forms.CharField(label=_("account number"), max_length=30, help_text=_("Digits, with or without hyphens."),
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    holder = forms.CharField(label=_("account holder"), max_length=100)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip().replace(" ", "")
        if not ACCOUNT_NUMBER.match(number) or not 8 <= sum(ch.isdigit() for ch in number) <= 20:
            raise forms.ValidationError(_("An account number is 8 to 20 digits, with or without hyphens."))
        return number


class ReportForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, max_length=30)
    summary = forms.CharField(label=_("summary of the final report"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("What was carried out, what it achieved and how the money was used."))


class ExpectedStateForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, max_length=30)


class ReasonForm(ExpectedStateForm):
    reason = forms.CharField(label=_("reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The company is told this reason."))


class PaymentForm(ExpectedStateForm):
    paid_on = forms.DateField(label=_("paid on"), widget=DateInput())
    amount = KRWField(label=_("amount paid (KRW)"), min_value=1)

    @classmethod
    def for_payment(cls, payment, data=None):
        return cls(data, initial={"paid_on": timezone.localdate(), "amount": payment.amount, "expected_state": payment.state},
                   prefix=f"pay-{payment.pk}")


class ExpenseForm(forms.Form):
    """One expense, as the company enters it; the ledger's checks are the service's (projects/ledger.py)."""

    budget_line = forms.TypedChoiceField(label=_("budget line"), coerce=int)
    spent_on = forms.DateField(label=_("date"), widget=DateInput)
    payee_name = forms.CharField(label=_("payee"), max_length=100)
    payee_business_number = forms.CharField(label=_("payee's business registration number"), max_length=12,
                                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    supply_amount = KRWField(label=_("supply value (KRW)"), min_value=1)
    vat = KRWField(label=_("VAT (KRW)"), initial=0)
    evidence_kind = forms.ChoiceField(label=_("evidence"), choices=EvidenceKind.choices)
    evidence_number = forms.CharField(label=_("evidence number"), max_length=40,
                                      help_text=_("An electronic tax invoice's approval number has 24 digits."))
    evidence_file = forms.FileField(label=_("evidence file (PDF or image)"))

    def __init__(self, *args, lines=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].choices = [(line.pk, f"{line.description} ({line.get_category_display()})") for line in lines]


class ExpenseFilterForm(forms.Form):
    line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("evidence"), required=False, choices=[("", _("all"))] + list(EvidenceKind.choices))
    review = forms.ChoiceField(label=_("review"), required=False,
                               choices=[("", _("all")), ("open", _("not reviewed")), ("yes", _("recognised")), ("no", _("not recognised"))])


class ExpenseReviewForm(forms.Form):
    recognised = forms.TypedChoiceField(label=_("result"), coerce=lambda v: v == "yes",
                                        choices=[("yes", _("recognised")), ("no", _("not recognised"))])
    reason = forms.CharField(label=_("reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class LedgerFileForm(forms.Form):
    file = forms.FileField(label=_("ledger file (XLSX)"))
