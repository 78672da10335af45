"""Labels and selects rendered the quick way say exactly what Django's own way says."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation

from applications.models import Application, State
from portal.labels import label
from portal.models import Company, Region


@pytest.mark.parametrize("language", ["ko", "en"])
def test_labels_match_get_display_in_each_language(language):
    with translation.override(language):
        for value in State.values:
            application = Application(state=value)
            assert label(application, "state") == application.get_state_display()
        for value in Region.values:
            company = Company(region=value)
            assert label(company, "region") == company.get_region_display()
    with translation.override("ko"):
        assert label(Application(state=State.SUBMITTED), "state") == "접수 완료"
    with translation.override("en"):
        assert label(Application(state=State.SUBMITTED), "state") == "Submitted"


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "전체"), ("a", "가 & 나"), ("b", "<b>다</b>")], required=False)
    grouped = forms.ChoiceField(choices=[("그룹", [("1", "하나"), ("2", "둘")]), ("3", "셋")])
    many = forms.MultipleChoiceField(choices=[("x", "엑스"), ("y", "와이")], widget=forms.SelectMultiple(attrs={"class": "wide"}))


def test_the_inline_select_renders_what_djangos_own_template_renders():
    data = {"plain": "b", "grouped": "2", "many": ["x", "y"]}
    ours, django_own = Sample(data), Sample(data, renderer=DjangoTemplates())
    normal = re.compile(r"\s+")
    for name in ("plain", "grouped", "many"):
        assert normal.sub(" ", str(ours[name].as_widget())).strip() == normal.sub(" ", str(django_own[name].as_widget())).strip(), name
    assert '<option value="b" selected>&lt;b&gt;다&lt;/b&gt;</option>' in str(ours["plain"].as_widget())
