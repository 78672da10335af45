from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from portal.views import claims, companies, pages, people

# The admin signs in through allauth, so MFA applies there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "지원사업 신청 포털 관리"

urlpatterns = [
    path("healthz", pages.healthz, name="healthz"),
    path("healthz/worker", pages.healthz_worker, name="healthz_worker"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("companies/", companies.company_list, name="company_list"),
    path("companies/new/", companies.company_register_view, name="company_register"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path("companies/<int:pk>/invite/", companies.company_invite, name="company_invite"),
    path("companies/join/", companies.company_join_request, name="company_join_request"),
    path("companies/claim/", claims.company_claim, name="company_claim"),
    path("companies/<int:pk>/join-requests/<int:request_pk>/", companies.company_join_decide, name="company_join_decide"),
    path("companies/<int:pk>/members/<int:membership_pk>/owner/", companies.company_make_owner, name="company_make_owner"),
    path("invitations/<str:token>/", companies.invitation_accept_view, name="invitation_accept"),
    path("privacy/", people.privacy, name="privacy"),
    path("me/", people.profile, name="profile"),
    path("me/data/", people.own_data, name="own_data"),
    path("me/leave/", people.leave, name="leave"),
    path("staff/claims/", claims.claim_list, name="staff_claims"),
    path("staff/claims/<int:pk>/", claims.claim_detail, name="staff_claim"),
    path("staff/claims/<int:pk>/document/", claims.claim_document, name="staff_claim_document"),
    path("staff/claims/<int:pk>/decide/", claims.claim_decide_view, name="staff_claim_decide"),
    # The home page and the officer's desk are applications' (they list calls); the own-ties
    # page is reviews' (a tie moves assignments): the apps import one way (pyproject.toml).
    path("", include("applications.urls")),
    path("", include("reviews.urls")),
    path("", include("projects.urls")),
    # Executed agreements as open data (360Giving), its API and the page about both.
    path("opendata/", include("opendata.urls")),
    path("admin/", admin.site.urls),
]
