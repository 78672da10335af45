from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from portal.views import companies, pages, people, ties

# The admin signs in through allauth, so MFA applies there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "지원사업 신청 포털 관리"

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("healthz/worker", pages.healthz_worker, name="healthz_worker"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("companies/", companies.company_list, name="company_list"),
    path("companies/new/", companies.company_register_view, name="company_register"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path("companies/<int:pk>/invite/", companies.company_invite, name="company_invite"),
    path("companies/<int:pk>/join/", companies.company_join_request, name="company_join_request"),
    path("companies/<int:pk>/join-requests/<int:request_pk>/", companies.company_join_decide, name="company_join_decide"),
    path("invitations/<str:token>/", companies.invitation_accept_view, name="invitation_accept"),
    path("officer/", pages.officer_desk, name="officer_desk"),
    path("privacy/", people.privacy, name="privacy"),
    path("me/", people.profile, name="profile"),
    path("staff/ties/", ties.own_ties, name="own_ties"),
    path("", include("applications.urls")),
    path("", include("reviews.urls")),
    path("admin/", admin.site.urls),
]
