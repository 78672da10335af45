from django.urls import path

from reviews.views import applicant, officer, reviewer, ties

urlpatterns = [
    path("staff/ties/", ties.own_ties, name="own_ties"),
    path("applications/<int:pk>/appeal/", applicant.appeal, name="application_appeal"),
    path("applications/<int:pk>/offer/", applicant.offer_answer, name="application_offer_answer"),
    path("reviewer/", reviewer.dashboard, name="reviewer_desk"),
    path("reviewer/assignments/<int:pk>/", reviewer.assignment_detail, name="reviewer_assignment"),
    path("reviewer/assignments/<int:pk>/declare/", reviewer.declare, name="reviewer_declare"),
    path("reviewer/assignments/<int:pk>/score/", reviewer.score, name="reviewer_score"),
    path("reviewer/assignments/<int:pk>/documents/<int:document_pk>/", reviewer.document, name="reviewer_document"),
    path("officer/calls/<int:pk>/evaluation/", officer.evaluation_setup, name="officer_evaluation"),
    path("officer/calls/<int:pk>/evaluation/<slug:what>/", officer.evaluation_post, name="officer_evaluation_post"),
    path("officer/calls/<int:pk>/criteria/<int:criterion_pk>/delete/", officer.criterion_delete, name="officer_criterion_delete"),
    path("officer/calls/<int:pk>/criteria/<int:criterion_pk>/edit/", officer.criterion_edit, name="officer_criterion_edit"),
    path("officer/panels/<int:pk>/", officer.panel_detail, name="officer_panel"),
    path("officer/panels/<int:pk>/<slug:what>/", officer.panel_post, name="officer_panel_post"),
    path("officer/reviews/<int:pk>/reopen/", officer.review_reopen, name="officer_review_reopen"),
    path("officer/calls/<int:pk>/ranking/", officer.ranking, name="officer_ranking"),
    path("officer/calls/<int:pk>/selection/", officer.selection_run, name="officer_selection_run"),
    path("officer/selections/<int:pk>/", officer.selection_detail, name="officer_selection"),
    path("officer/selections/<int:pk>/items/<int:item_pk>/", officer.selection_override, name="officer_selection_override"),
    path("officer/selections/<int:pk>/finalize/", officer.selection_finalize, name="officer_selection_finalize"),
    path("officer/appeals/<int:pk>/decide/", officer.appeal_decide, name="officer_appeal_decide"),
    path("officer/calls/<int:pk>/offer/", officer.offer_next, name="officer_offer_next"),
    path("officer/assignments/<int:pk>/waive/", officer.assignment_waive, name="officer_assignment_waive"),
]
