"""The bench's URLs (config/settings/bench.py only): the app's own, plus the two floors every page is
measured against: a trivial authenticated view (the framework's floor on this middleware stack) and a
view rendering 25 rows from one indexed query (the one-query floor)."""
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

from . import views

urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/floor-rows/", views.floor_rows, name="bench_floor_rows"),
    *app_urlpatterns,
]
