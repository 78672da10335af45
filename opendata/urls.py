from django.urls import path

from opendata import views
from opendata.api import api

urlpatterns = [
    path("", views.index, name="opendata_index"),
    path("grants.json", views.grants_json, name="opendata_json"),
    path("grants.csv", views.grants_csv, name="opendata_csv"),
    path("api/v1/", views.api_root, name="opendata_api_root"),
    path("api/v1/", api.urls),
]
