from django.urls import path

from projects.views import company, ledger, officer

urlpatterns = [
    path("projects/<int:pk>/", company.project_detail, name="project_detail"),
    path("projects/<int:pk>/account/", company.account, name="project_account"),
    path("projects/<int:pk>/report/", company.report, name="project_report"),
    path("projects/<int:pk>/payments/<int:payment_pk>/request/", company.payment_request, name="project_payment_request"),
    path("projects/<int:pk>/expenses/", ledger.company_ledger, name="project_ledger"),
    path("projects/<int:pk>/expenses/template.xlsx", ledger.ledger_template, name="project_ledger_template"),
    path("projects/<int:pk>/expenses/import/", ledger.ledger_import, name="project_ledger_import"),
    path("officer/projects/<int:pk>/expenses/", ledger.officer_ledger, name="officer_project_ledger"),
    path("officer/expenses/<int:pk>/review/", ledger.expense_review, name="officer_expense_review"),
    path("officer/projects/", officer.project_list, name="officer_projects"),
    path("officer/projects/<int:pk>/", officer.project_page, name="officer_project"),
    path("officer/projects/<int:pk>/<slug:action>/", officer.project_action, name="officer_project_action"),
    path("officer/payments/<int:pk>/order.pdf", officer.payment_order_pdf, name="payment_order_pdf"),
    path("officer/payments/<int:pk>/<slug:action>/", officer.payment_action, name="officer_payment_action"),
]
