"""LL2's spacecraft, configuration and status views, built from the stock DRF and django-filter classes,
and the thin adapters.

The view configuration follows the research notes (api-semantics.md, sections
2-5): ``filterset_fields`` (exact lookups; ``BooleanFilter``/``BooleanWidget``,
``CharFilter``, ``ModelChoiceFilter`` on the foreign keys), ``search_fields`` with
the default ``icontains``, ``ordering_fields``, ``LimitOffsetPagination``
(default 10, max 100), and "``mode=detailed`` or retrieve -> detailed serializer".
The order of the filter backends (django-filter, search, ordering) is the common
one and decides which 400 is reported when several parameters are bad [I].
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.db.models import F
from django.http import Http404, HttpRequest
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.exceptions import APIException
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.reverse import reverse

from .models import Spacecraft, SpacecraftConfiguration, SpacecraftStatus


class NotHeld(APIException):
    """The oracle holds no detailed records: where LL2 would serialize one, it answers 501."""

    status_code = 501
    default_detail = "The oracle holds no detailed records."
    default_code = "not_held"


class SpacecraftPagination(LimitOffsetPagination):
    default_limit = 10
    max_limit = 100


def _relink(node: dict[str, Any], route: str, request: HttpRequest) -> None:
    if isinstance(node, dict) and "url" in node and "id" in node:
        node["url"] = reverse(route, kwargs={"pk": node["id"]}, request=request)


class SpacecraftNormalSerializer(serializers.Serializer):
    """The stored LL2 record, with every link rebuilt by DRF from the request.

    ``url`` comes from ``HyperlinkedIdentityField`` and the nested configuration
    and agency links from ``reverse(..., request=request)``: scheme, host and the
    ``format`` parameter are the request's, as LL2's are.
    """

    url = serializers.HyperlinkedIdentityField(view_name="spacecraft-detail")

    def to_representation(self, instance: Spacecraft) -> dict[str, Any]:
        request = self.context["request"]
        record = json.loads(instance.raw)
        record["url"] = self.fields["url"].to_representation(instance)
        config = record.get("spacecraft_config")
        if isinstance(config, dict):
            _relink(config, "spacecraftconfiguration-detail", request)
            _relink(config.get("agency"), "agency-detail", request)
            for family in config.get("family") or []:
                _relink(family.get("manufacturer"), "agency-detail", request)
        return record


class DetailedNotHeldSerializer(serializers.Serializer):
    def to_representation(self, instance: Spacecraft) -> Any:
        raise NotHeld()


class SpacecraftViewSet(viewsets.ReadOnlyModelViewSet):
    """``/2.3.0/spacecraft/`` with the stock classes (the ``stock`` flavour)."""

    queryset = Spacecraft.objects.all()
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_fields = ["in_space", "is_placeholder", "name", "spacecraft_config", "status"]
    search_fields = ["name", "spacecraft_config__name"]
    ordering_fields = ["flights_count", "id", "mission_ends_count", "time_docked", "time_in_space"]
    pagination_class = SpacecraftPagination

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve" or self.request.query_params.get("mode") == "detailed":
            return DetailedNotHeldSerializer
        return SpacecraftNormalSerializer


class PostgresSearchFilter(SearchFilter):
    """Adapter 2: ``icontains`` folded as PostgreSQL folds it (``UPPER`` on both sides), not SQLite's
    ASCII-only."""

    def construct_search(self, field_name: str, queryset: Any) -> str:
        lookup = super().construct_search(field_name, queryset)
        assert lookup.endswith("__icontains"), lookup  # the only lookup LL2's search fields use
        return lookup[: -len("icontains")] + "pg_icontains"


class PostgresOrderingFilter(OrderingFilter):
    """Adapters 1 and 3: PostgreSQL's NULL placement, and ties (or no ordering) broken by id ascending."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        ordering = self.get_ordering(request, queryset, view) or []
        keys = [
            F(term[1:]).desc(nulls_first=True) if term.startswith("-") else F(term).asc(nulls_last=True)
            for term in ordering
        ]
        return queryset.order_by(*keys, "pk")


class PostgresSpacecraftViewSet(SpacecraftViewSet):
    """``/2.3.0/spacecraft/`` with the adapters (the ``postgres`` flavour)."""

    filter_backends = [DjangoFilterBackend, PostgresSearchFilter, PostgresOrderingFilter]


def not_held(request: HttpRequest, pk: str) -> Any:
    """Configuration and agency pages: routes for ``reverse()`` only."""
    raise Http404("not held by the oracle")


# --------------------------------------------------------------------------- configurations and statuses
_SPEC = Path(__file__).resolve().parents[2] / "data" / "raw" / "ll2-openapi" / "ll_2.3.0.json"


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    return json.loads(_SPEC.read_text(encoding="utf-8"))["components"]["schemas"]


def _ref(prop: dict[str, Any]) -> str | None:
    """The component a property refers to (``$ref`` or a one-item ``allOf``), if any."""
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if len(prop.get("allOf", ())) == 1:
        return _ref(prop["allOf"][0])
    return None


def spec_projection(obj: Any, component: str) -> Any:
    """``obj`` as the OpenAPI ``component`` emits it, read from the spec itself (not from the engine's
    declaration).

    Every property of the component in the spec's order; ``response_mode`` is the
    component's declared default; a property referring to another component
    (directly, via ``allOf`` or as array items) is projected recursively.
    """
    if obj is None:
        return None
    out = {}
    for key, prop in _components()[component]["properties"].items():
        if key == "response_mode":
            out[key] = prop["default"]
            continue
        inner = _ref(prop)
        item = _ref(prop.get("items", {})) if prop.get("type") == "array" else None
        value = obj[key]
        if inner:
            out[key] = spec_projection(value, inner)
        elif item and value is not None:
            out[key] = [spec_projection(v, item) for v in value]
        else:
            out[key] = value
    return out


_ROUTES = {"spacecraft_configurations": "spacecraftconfiguration-detail", "agencies": "agency-detail"}


def _relink_all(node: Any, request: HttpRequest) -> None:
    """Rebuild every API link (configurations, agencies) under ``node`` with ``reverse()``, as DRF's fields
    do."""
    if isinstance(node, list):
        for item in node:
            _relink_all(item, request)
    elif isinstance(node, dict):
        url = node.get("url")
        if isinstance(url, str) and "id" in node:
            route = _ROUTES.get(urlsplit(url).path.strip("/").split("/")[-2])
            if route:
                node["url"] = reverse(route, kwargs={"pk": node["id"]}, request=request)
        for value in node.values():
            _relink_all(value, request)


class ConfigurationDetailedSerializer(serializers.Serializer):
    """The stored (detailed) configuration, links rebuilt from the request."""

    def to_representation(self, instance: SpacecraftConfiguration) -> dict[str, Any]:
        record = json.loads(instance.raw)
        _relink_all(record, self.context["request"])
        return record


class ConfigurationNormalSerializer(serializers.Serializer):
    """``SpacecraftConfigNormal`` projected from the stored record by the spec, links rebuilt from the
    request."""

    def to_representation(self, instance: SpacecraftConfiguration) -> dict[str, Any]:
        record = spec_projection(json.loads(instance.raw), "SpacecraftConfigNormal")
        _relink_all(record, self.context["request"])
        return record


class ConfigurationViewSet(viewsets.ReadOnlyModelViewSet):
    """``/2.3.0/spacecraft_configurations/`` as its docs describe it (the ``stock`` flavour)."""

    queryset = SpacecraftConfiguration.objects.all()
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_fields = ["agency", "human_rated", "in_use", "name"]
    search_fields = ["agency__abbrev", "agency__name", "name"]
    ordering_fields = ["name"]
    pagination_class = SpacecraftPagination

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve" or self.request.query_params.get("mode") == "detailed":
            return ConfigurationDetailedSerializer
        return ConfigurationNormalSerializer


class PostgresConfigurationViewSet(ConfigurationViewSet):
    filter_backends = [DjangoFilterBackend, PostgresSearchFilter, PostgresOrderingFilter]


class StatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpacecraftStatus
        fields = ["id", "name"]


class StatusViewSet(viewsets.ReadOnlyModelViewSet):
    """``/2.3.0/config/spacecraft_statuses/``: search and ordering listed by the spec with no fields."""

    queryset = SpacecraftStatus.objects.all()
    serializer_class = StatusSerializer
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    search_fields: list[str] = []
    ordering_fields: list[str] = []
    pagination_class = SpacecraftPagination


class PostgresStatusViewSet(StatusViewSet):
    filter_backends = [DjangoFilterBackend, PostgresSearchFilter, PostgresOrderingFilter]
