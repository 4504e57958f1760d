"""URL routing of the oracle: LL2's paths, one URLconf per flavour.

The detail route's id pattern is DRF ``DefaultRouter``'s default ``[^/.]+``.
The agency route exists so that ``reverse()`` builds its links; it answers
nothing the tests use.
"""

from __future__ import annotations

from typing import Any, Callable

from django.http import HttpRequest, HttpResponse
from django.urls import re_path

from . import views
from .core import FLAVOUR_KEY


def _routes(prefix: str, name: str, viewset: type) -> list[Any]:
    return [
        re_path(rf"^2\.3\.0/{prefix}/$", viewset.as_view({"get": "list"}), name=f"{name}-list"),
        re_path(
            rf"^2\.3\.0/{prefix}/(?P<pk>[^/.]+)/$",
            viewset.as_view({"get": "retrieve"}),
            name=f"{name}-detail",
        ),
    ]


def _patterns(spacecraft: type, configurations: type, statuses: type) -> list[Any]:
    return [
        *_routes("spacecraft", "spacecraft", spacecraft),
        *_routes("spacecraft_configurations", "spacecraftconfiguration", configurations),
        *_routes("config/spacecraft_statuses", "spacecraftstatus", statuses),
        re_path(r"^2\.3\.0/agencies/(?P<pk>[^/.]+)/$", views.not_held, name="agency-detail"),
    ]


#: the ``stock`` flavour (the ROOT_URLCONF)
urlpatterns = _patterns(views.SpacecraftViewSet, views.ConfigurationViewSet, views.StatusViewSet)


class PostgresURLConf:
    """The ``postgres`` flavour: the same routes over the adapted views."""

    urlpatterns = _patterns(
        views.PostgresSpacecraftViewSet, views.PostgresConfigurationViewSet, views.PostgresStatusViewSet
    )


class FlavourMiddleware:
    """Route a request to its oracle's flavour (``request.urlconf``, a documented Django hook)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get(FLAVOUR_KEY) == "postgres":
            request.urlconf = PostgresURLConf
        return self.get_response(request)
