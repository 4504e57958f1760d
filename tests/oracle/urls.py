"""URL routing of the oracle: LL2's paths, one URLconf per flavour.

The detail route's id pattern is DRF ``DefaultRouter``'s default ``[^/.]+``.
The configuration and agency routes exist so that ``reverse()`` builds their
links; they answer nothing the tests use.
"""

from __future__ import annotations

from typing import Any, Callable

from django.http import HttpRequest, HttpResponse
from django.urls import re_path

from . import views
from .core import FLAVOUR_KEY


def _patterns(viewset: type) -> list[Any]:
    return [
        re_path(r"^2\.3\.0/spacecraft/$", viewset.as_view({"get": "list"}), name="spacecraft-list"),
        re_path(r"^2\.3\.0/spacecraft/(?P<pk>[^/.]+)/$", viewset.as_view({"get": "retrieve"}),
                name="spacecraft-detail"),
        re_path(r"^2\.3\.0/spacecraft_configurations/(?P<pk>[^/.]+)/$", views.not_held,
                name="spacecraftconfiguration-detail"),
        re_path(r"^2\.3\.0/agencies/(?P<pk>[^/.]+)/$", views.not_held, name="agency-detail"),
    ]


#: the ``stock`` flavour (the ROOT_URLCONF)
urlpatterns = _patterns(views.SpacecraftViewSet)


class PostgresURLConf:
    """The ``postgres`` flavour: the same routes over the adapted view."""

    urlpatterns = _patterns(views.PostgresSpacecraftViewSet)


class FlavourMiddleware:
    """Route a request to its oracle's flavour (``request.urlconf``, a documented Django hook)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get(FLAVOUR_KEY) == "postgres":
            request.urlconf = PostgresURLConf
        return self.get_response(request)
