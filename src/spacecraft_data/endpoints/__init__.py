"""The registry: every LL2 resource this package knows, declared once, keyed by API version.

Details: docs/architecture.md#the-registry and docs/adding-an-endpoint.md
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import v2_3_0
from .declaration import Endpoint, Projection, Schema, table_file, view_description

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BASE_URL",
    "ENDPOINTS",
    "Endpoint",
    "Projection",
    "Schema",
    "endpoints",
    "endpoint",
    "primary",
    "by_table",
    "table_files",
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


def endpoints(api_version: str | None = None) -> dict[str, Endpoint]:
    """The declarations of ``api_version`` (default :data:`DEFAULT_API_VERSION`), primary first.

    An API version with no declarations of its own is answered with the default
    version's (a snapshot's records keep their shape across patch versions of the
    API; the schemas check that).
    """
    return ENDPOINTS.get(api_version or DEFAULT_API_VERSION) or ENDPOINTS[DEFAULT_API_VERSION]


def endpoint(name: str, api_version: str | None = None) -> Endpoint:
    """The declaration of endpoint ``name`` (or of one of its aliases); ``KeyError`` listing the endpoints."""
    declared = endpoints(api_version)
    found = declared.get(name) or next((e for e in declared.values() if name in e.aliases), None)
    if found is None:
        raise KeyError(f"unknown endpoint {name!r}; the endpoints are: {', '.join(declared)}")
    return found


def primary(api_version: str | None = None) -> Endpoint:
    """The endpoint whose records are the snapshot's own (``/spacecraft/``)."""
    found = next((e for e in endpoints(api_version).values() if e.primary), None)
    if found is None:
        raise KeyError(
            f"API {api_version or DEFAULT_API_VERSION}: no endpoint is declared primary "
            "(a version's declarations need one whose records are the snapshot's own)"
        )
    return found


def by_table(table: str, api_version: str | None = None) -> Endpoint | None:
    """The endpoint whose records a snapshot table holds (its own table or a mode's), or None."""
    return next((e for e in endpoints(api_version).values() if table in e.tables), None)


def table_files(api_version: str | None = None) -> dict[str, str]:
    """Every table a snapshot of ``api_version`` may hold -> its file (:attr:`Endpoint.files`): the endpoints'
    own tables in the registry's order (the primary one first), then those of modes kept apart.

    The one registry-wide spelling of the mapping: the store, the snapshot and the build read it here.
    """
    declared = endpoints(api_version).values()
    own = {e.table: e.files[e.table] for e in declared}
    return {**own, **{table: file for e in declared for table, file in e.files.items()}}


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
