"""Configure the oracle's Django project once, load a data set into it, answer URLs.

Two flavours of the same view stack:

``stock``
    The classes exactly as LL2 configures them, on SQLite. Three behaviours then
    differ from LL2 (PostgreSQL) by construction, not by any choice of ours:

    1. NULL order: SQLite sorts NULL first ascending and last descending;
       PostgreSQL sorts NULL last ascending and first descending.
    2. Case folding in ``icontains``: SQLite's ``LIKE`` folds ASCII only;
       PostgreSQL runs ``UPPER(col) LIKE UPPER(term)``, which folds Unicode.
    3. Ties (and no ``ordering`` at all): both databases return tied rows in an
       unspecified order. SQLite happens to follow its rowid, which is the id;
       LL2's PostgreSQL does not (seed page 000 shows ties in no id order).

``postgres`` (the default, used for the exact differential comparison)
    The same stock classes plus three thin adapters, each undoing one of the
    differences above and nothing else (see :mod:`.views`):

    1. ``PostgresOrderingFilter`` (a DRF ``OrderingFilter`` subclass) applies
       ``nulls_last`` ascending / ``nulls_first`` descending, as PostgreSQL does;
    2. ``PostgresSearchFilter`` (a DRF ``SearchFilter`` subclass) uses the lookup
       ``pg_icontains``: ``PG_UPPER(col) LIKE PG_UPPER(term)``, where ``PG_UPPER``
       is :func:`pg_upper` registered as an SQLite function;
    3. the ordering filter appends ``pk`` to every ordering and orders by ``pk``
       when none is asked for: the engine's documented tie rule
       ("ties and no ordering -> id ascending").

The ``stock`` flavour exists to prove that these are the ONLY differences
(``tests/test_oracle_divergences.py``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

__all__ = ["Answer", "FLAVOURS", "Oracle", "pg_upper", "setup"]

APP = __name__.rpartition(".")[0]  # this package, installed as the Django app
FLAVOURS = ("postgres", "stock")
#: WSGI environ key that tells the middleware which URLconf (flavour) to use
FLAVOUR_KEY = "oracle.flavour"
#: the origin of a URL given as a path alone
DEFAULT_ORIGIN = "https://ll.thespacedevs.com"

_lock = threading.RLock()
_client: Any = None
_loaded: Oracle | None = None


def pg_upper(value: str | None) -> str | None:
    """Upper-case ``value`` one character at a time, as PostgreSQL's ``upper()`` does.

    PostgreSQL (libc provider, UTF-8) maps each character through ``towupper``:
    the Unicode *simple* upper-case mapping, which never changes the length.
    Python's ``str.upper`` applies the *full* mapping (``ß`` -> ``SS``, ``ﬁ`` ->
    ``FI``), so a character whose full mapping is longer than one character is
    kept as it is. (A database created with the ICU provider would use the
    full mapping; LL2's provider is not known. [I])
    """
    if value is None:
        return None
    out = []
    for ch in value:
        up = ch.upper()
        out.append(up if len(up) == 1 else ch)
    return "".join(out)


def _register_sql_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("PG_UPPER", 1, pg_upper, deterministic=True)


def setup() -> None:
    """Configure Django for the oracle (once per process) and create its tables."""
    global _client
    with _lock:
        if _client is not None:
            return
        import django
        from django.conf import settings

        if settings.configured:
            if APP not in settings.INSTALLED_APPS:
                raise RuntimeError(
                    "Django settings were configured elsewhere in this process without the "
                    f"oracle app {APP!r}; "
                    "the oracle configures Django itself and must be the only one to do so in a test run"
                )
        else:
            settings.configure(
                DEBUG=False,
                SECRET_KEY="oracle-for-tests-only",
                ALLOWED_HOSTS=["*"],
                USE_I18N=False,
                USE_TZ=True,
                DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
                INSTALLED_APPS=["rest_framework", "django_filters", APP],
                MIDDLEWARE=[f"{APP}.urls.FlavourMiddleware"],
                ROOT_URLCONF=f"{APP}.urls",
                DEFAULT_AUTO_FIELD="django.db.models.AutoField",
                # 4xx/5xx answers are the point of many tests; Django would log each one. A real
                # error in the oracle still surfaces: the test client re-raises it.
                LOGGING={
                    "version": 1,
                    "disable_existing_loggers": False,
                    "loggers": {"django.request": {"level": "CRITICAL"}},
                },
                REST_FRAMEWORK={
                    # No auth app: LL2's throttles and keys are out of the oracle's scope.
                    "DEFAULT_AUTHENTICATION_CLASSES": [],
                    "DEFAULT_PERMISSION_CLASSES": [],
                    "UNAUTHENTICATED_USER": None,
                    "DEFAULT_RENDERER_CLASSES": [
                        "rest_framework.renderers.JSONRenderer",
                        f"{APP}.renderers.BrowsableAPIStandIn",
                    ],
                },
            )
        from django.db.backends.signals import connection_created

        connection_created.connect(_register_sql_functions, dispatch_uid="oracle-pg-upper")
        django.setup()
        from django.db import connection
        from django.test import Client

        from . import models

        connection.ensure_connection()
        with connection.schema_editor() as editor:
            for model in (
                models.SpacecraftStatus,
                models.Agency,
                models.SpacecraftConfiguration,
                models.Spacecraft,
            ):
                editor.create_model(model)
        _client = Client(raise_request_exception=True)


def _duration(value: Any, where: str) -> Any:
    if value is None:
        return None
    import datetime

    import isodate

    try:
        parsed = isodate.parse_duration(value)
    except (isodate.ISO8601Error, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: not an ISO 8601 duration: {value!r} ({exc})") from None
    if not isinstance(parsed, datetime.timedelta):
        raise ValueError(f"{where}: duration {value!r} has years or months, which have no fixed length")
    return parsed


@dataclass(frozen=True)
class Answer:
    """An answer of the oracle: HTTP ``status``, ``body`` (JSON, or text for Django's own pages), and
    ``detailed``: whether the view chose the detailed serializer (``mode=detailed`` or the detail route)."""

    status: int
    body: Any
    detailed: bool


class Oracle:
    """LL2's spacecraft endpoint over ``records``, answered by real DRF/django-filter classes.

    ``configurations`` and ``statuses`` are the reference tables: the universe of
    ids the ``spacecraft_config`` and ``status`` filters accept (an id outside them
    is a 400, an id inside them used by no record is a 200 with ``count: 0``).
    They are also served as ``/2.3.0/spacecraft_configurations/`` (normal mode
    projected from the stored records by the OpenAPI components, see
    :func:`.views.spec_projection`) and ``/2.3.0/config/spacecraft_statuses/``;
    the agencies table behind the configurations' ``agency`` filter holds the
    agencies the configurations name.
    """

    def __init__(
        self,
        records: Iterable[Mapping[str, Any]],
        configurations: Iterable[Mapping[str, Any]],
        statuses: Iterable[Mapping[str, Any]],
        flavour: str = "postgres",
    ) -> None:
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour {flavour!r}: expected one of {FLAVOURS}")
        self.flavour = flavour
        self.statuses = [{"id": s["id"], "name": s["name"]} for s in statuses]
        configurations = list(configurations)
        self.agencies = list(
            {
                c["agency"]["id"]: {k: c["agency"][k] for k in ("id", "name", "abbrev")}
                for c in configurations
                if isinstance(c.get("agency"), dict)
            }.values()
        )
        self.configurations = [
            {
                "id": c["id"],
                "name": c["name"],
                "agency_id": c["agency"]["id"] if isinstance(c.get("agency"), dict) else None,
                "human_rated": c.get("human_rated"),
                "in_use": c.get("in_use"),
                "raw": json.dumps(c, ensure_ascii=False),
            }
            for c in configurations
        ]
        status_ids = {s["id"] for s in self.statuses}
        config_ids = {c["id"] for c in self.configurations}
        self.rows: list[dict[str, Any]] = []
        for n, rec in enumerate(records):
            where = f"record #{n} (id {rec.get('id')!r})"
            if rec["status"]["id"] not in status_ids:
                raise ValueError(f"{where}: status {rec['status']['id']} is not in the statuses table")
            if rec["spacecraft_config"]["id"] not in config_ids:
                raise ValueError(
                    f"{where}: spacecraft_config {rec['spacecraft_config']['id']} "
                    "is not in the configurations table"
                )
            self.rows.append(
                {
                    "id": rec["id"],
                    "name": rec["name"],
                    "in_space": rec["in_space"],
                    "is_placeholder": rec["is_placeholder"],
                    "status_id": rec["status"]["id"],
                    "spacecraft_config_id": rec["spacecraft_config"]["id"],
                    "flights_count": rec["flights_count"],
                    "mission_ends_count": rec["mission_ends_count"],
                    "time_in_space": _duration(rec["time_in_space"], f"{where}.time_in_space"),
                    "time_docked": _duration(rec["time_docked"], f"{where}.time_docked"),
                    "raw": json.dumps(rec, ensure_ascii=False),
                }
            )

    @classmethod
    def from_snapshot(cls, snap: Any, flavour: str = "postgres") -> Oracle:
        """An oracle over a :class:`spacecraft_data.Snapshot`'s records and reference tables."""
        return cls(
            snap.records,
            snap.tables["spacecraft_configurations"],
            snap.tables["spacecraft_statuses"],
            flavour=flavour,
        )

    def _load(self) -> None:
        global _loaded
        if _loaded is self:
            return
        from django.db import transaction

        from . import models

        with transaction.atomic():
            models.Spacecraft.objects.all().delete()
            models.SpacecraftConfiguration.objects.all().delete()
            models.Agency.objects.all().delete()
            models.SpacecraftStatus.objects.all().delete()
            models.SpacecraftStatus.objects.bulk_create(models.SpacecraftStatus(**s) for s in self.statuses)
            models.Agency.objects.bulk_create(models.Agency(**a) for a in self.agencies)
            models.SpacecraftConfiguration.objects.bulk_create(
                models.SpacecraftConfiguration(**c) for c in self.configurations
            )
            models.Spacecraft.objects.bulk_create(models.Spacecraft(**r) for r in self.rows)
        _loaded = self

    def respond(self, url: str) -> tuple[int, Any]:
        """Answer a GET of ``url`` as LL2 would: ``(HTTP status, body)``.

        Scheme and host come from ``url`` (``https://ll.thespacedevs.com`` for a
        path alone) and end up in the links, as behind a proxy that passes ``Host``
        through. The body is the parsed JSON for answers
        of the DRF view, or the text of Django's own page (an unrouted path).
        Detailed mode (``mode=detailed`` or the detail route) is not held: where
        LL2 would serialize a detailed record the oracle answers 501.
        """
        answer = self.answer(url)
        return answer.status, answer.body

    def answer(self, url: str) -> Answer:
        """Like :meth:`respond`, and also whether LL2 would have used its detailed serializer."""
        response = self.get(url)
        context = getattr(response, "renderer_context", None) or {}
        view = context.get("view")
        detailed = False
        if view is not None and getattr(view, "request", None) is not None:
            from .views import DetailedNotHeldSerializer

            detailed = view.get_serializer_class() is DetailedNotHeldSerializer
        if view is not None:
            body = json.loads(response.content)
        else:
            body = response.content.decode("utf-8", "replace")
        return Answer(response.status_code, body, detailed)

    def get(self, url: str) -> Any:
        """The Django response object of a GET of ``url`` (status, headers, content)."""
        setup()
        parts = urlsplit(url)
        if not parts.netloc:  # a path alone: LL2's own origin, as Snapshot.respond assumes
            parts = urlsplit(DEFAULT_ORIGIN + (url if url.startswith("/") else "/" + url))
        with _lock:
            self._load()
            return _client.generic(
                "GET",
                parts.path or "/",
                secure=parts.scheme == "https",
                HTTP_HOST=parts.netloc,
                # As a WSGI server passes it: the raw bytes of the query, decoded as Latin-1.
                QUERY_STRING=parts.query.encode("utf-8").decode("iso-8859-1"),
                **{FLAVOUR_KEY: self.flavour},
            )

    def __repr__(self) -> str:
        return f"<Oracle {self.flavour}: {len(self.rows)} records>"
