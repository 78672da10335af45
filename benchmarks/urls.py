"""The portal's URLs plus the bare baselines the HTTP benchmark compares pages with."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from benchmarks import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    *portal_urlpatterns,
    path("bench/bare", csrf_exempt(views.bare)),
    path("bench/insert", csrf_exempt(views.insert)),
]
