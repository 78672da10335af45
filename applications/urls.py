from django.urls import path

from applications.views import applicant, catalogue, officer

urlpatterns = [
    path("calls/", catalogue.call_list, name="call_list"),
    path("calls/<str:code>/", catalogue.call_detail, name="call_detail"),
    path("calls/<str:code>/attachments/<int:pk>/", catalogue.attachment_download, name="call_attachment"),
    path("calls/<str:code>/apply/", applicant.application_start, name="application_start"),
    path("applications/", applicant.dashboard, name="application_dashboard"),
    path("applications/<int:pk>/", applicant.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/<slug:step>/", applicant.application_step, name="application_step"),
    path("applications/<int:pk>/autosave/", applicant.autosave, name="application_autosave"),
    path("applications/<int:pk>/documents/<int:document_pk>/", applicant.document_download, name="document_download"),
    path("applications/<int:pk>/documents/<int:document_pk>/delete/", applicant.document_delete, name="document_delete"),
    path("applications/<int:pk>/submit/", applicant.submit, name="application_submit"),
    path("applications/<int:pk>/receipt/", applicant.receipt, name="application_receipt"),
    path("applications/<int:pk>/withdraw/", applicant.withdraw, name="application_withdraw"),
    path("officer/calls/new/", officer.call_create, name="officer_call_create"),
    path("officer/calls/<int:pk>/", officer.call_setup, name="officer_call_setup"),
    path("officer/calls/<int:pk>/basics/", officer.call_basics, name="officer_call_basics"),
    path("officer/calls/<int:pk>/levels/", officer.level_add, name="officer_level_add"),
    path("officer/calls/<int:pk>/documents/", officer.requirement_add, name="officer_requirement_add"),
    path("officer/calls/<int:pk>/rules/", officer.rule_add, name="officer_rule_add"),
    path("officer/calls/<int:pk>/sections/", officer.section_add, name="officer_section_add"),
    path("officer/calls/<int:pk>/sections/<int:section_pk>/fields/", officer.field_add, name="officer_field_add"),
    path("officer/calls/<int:pk>/attachments/", officer.attachment_add, name="officer_attachment_add"),
    path("officer/calls/<int:pk>/<str:kind>/<int:item_pk>/delete/", officer.item_delete, name="officer_item_delete"),
]
