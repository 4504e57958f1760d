"""The registry: every LL2 resource this package knows, declared once, keyed by API version.

Details: docs/architecture.md#the-registry and docs/adding-an-endpoint.md
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..typecheck import TYPE_CHECKING
from . import v2_3_0
from .declaration import (
    Endpoint,
    Harvesting,
    ModePlan,
    Presentation,
    Projection,
    Querying,
    Routing,
    Schema,
    Storage,
    Validation,
    table_file,
    view_description,
)
from .registry import Registry

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BASE_URL",
    "ENDPOINTS",
    "Endpoint",
    "Routing",
    "Storage",
    "Querying",
    "ModePlan",
    "Validation",
    "Harvesting",
    "Presentation",
    "Projection",
    "Schema",
    "Registry",
    "registry",
    "endpoints",
    "endpoint",
    "primary",
    "by_table",
    "table_file",
    "view_description",
    "LL2_PATHS",
    "LL2_API_VERSIONS",
    "ll2_has",
]

#: The LL2 API version answered, harvested and validated when none is named.
DEFAULT_API_VERSION = "2.3.0"
#: LL2's origin: where a harvest fetches from, and the host of links when a request names none.
DEFAULT_BASE_URL = "https://ll.thespacedevs.com"

#: API version -> endpoint name -> declaration
ENDPOINTS: dict[str, dict[str, Endpoint]] = {"2.3.0": v2_3_0.ENDPOINTS}
#: API version -> every route LL2 has below ``/<version>/`` (``{id}``: a detail route's id), from its OpenAPI
#: document
LL2_PATHS: dict[str, tuple[str, ...]] = {"2.3.0": v2_3_0.LL2_PATHS}
#: The API versions LL2 serves, as pages captured from it show (research/api-semantics.md, data-sources.md);
#: only those in :data:`LL2_PATHS` have their routes known here.
LL2_API_VERSIONS = ("2.0.0", "2.1.0", "2.2.0", "2.3.0")


def registry(api_version: str | Registry | None = None) -> Registry:
    """The :class:`Registry` of ``api_version`` (default :data:`DEFAULT_API_VERSION`): the one global lookup.

    A :class:`Registry` given is answered as it is (a caller that resolved one already hands it on).
    Resolved once where a snapshot or a command starts, and handed down. An API version with no
    declarations of its own is answered with the default version's (a snapshot's records keep their shape
    across patch versions of the API; the schemas check that).
    """
    if isinstance(api_version, Registry):
        return api_version
    version = api_version or DEFAULT_API_VERSION
    declared = ENDPOINTS.get(version) or ENDPOINTS[DEFAULT_API_VERSION]
    found = _registries.get(version)
    if found is None or found.endpoints is not declared:  # a version declared (or dropped) since
        found = _registries[version] = Registry(version, declared)
    return found


_registries: dict[str, Registry] = {}


def endpoints(api_version: str | None = None) -> Mapping[str, Endpoint]:
    """The declarations of ``api_version``, primary first (``registry(api_version).endpoints``)."""
    return registry(api_version).endpoints


def endpoint(name: str, api_version: str | None = None) -> Endpoint:
    """The declaration of endpoint ``name`` or an alias (``registry(api_version).endpoint(name)``)."""
    return registry(api_version).endpoint(name)


def primary(api_version: str | None = None) -> Endpoint:
    """The endpoint whose records are the snapshot's own (``registry(api_version).primary``)."""
    return registry(api_version).primary


def by_table(table: str, api_version: str | None = None) -> Endpoint | None:
    """The endpoint whose records a snapshot table holds, or None (``registry(api_version).by_table``)."""
    return registry(api_version).by_table(table)


def ll2_has(path: str) -> bool:
    """Whether LL2 may have something at ``path`` (decoded, from its first ``/``, query excluded).

    True for a route of :data:`LL2_PATHS` (``{id}`` matching one segment, as DRF's router
    does) and for any path under an API version of :data:`LL2_API_VERSIONS` whose routes are
    not listed here (LL2 serves it; what it has there is not known offline). False otherwise:
    a path LL2 does not have, which Django answers 404.
    """
    version, sep, _ = path[1:].partition("/")
    if not sep or version not in LL2_API_VERSIONS:
        return False
    routes = LL2_PATHS.get(version)
    return routes is None or _routes_pattern(version, routes).match(path) is not None


@lru_cache(maxsize=8)
def _routes_pattern(version: str, routes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = ("[^/.]+".join(map(re.escape, route.split("{id}"))) for route in routes)
    return re.compile(rf"/{re.escape(version)}/(?:{'|'.join(alternatives)})\Z")
