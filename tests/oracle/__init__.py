"""The oracle: LL2's ``/2.3.0/spacecraft/`` rebuilt from the real Django REST Framework stack (tests only).

A minimal Django project configured in-process (SQLite ``:memory:``) whose view is
the one LL2 runs, as far as the research notes know it: django-filter's
``DjangoFilterBackend`` with ``filterset_fields``, DRF's ``SearchFilter`` and
``OrderingFilter``, ``LimitOffsetPagination`` (default 10, max 100), real URL
routing and ``HyperlinkedIdentityField``/``reverse`` for the links.

>>> oracle = Oracle.from_snapshot(spacecraft_data.load())
>>> oracle.respond("https://ll.thespacedevs.com/2.3.0/spacecraft/?status=4&limit=2")
(200, {'count': 20, 'next': ..., 'previous': None, 'results': [...]})

Django is configured only when the first :class:`Oracle` answers, and only from
here (no ``DJANGO_SETTINGS_MODULE``), so importing this package is free of side
effects. See :mod:`.core` for the flavours (``postgres`` and ``stock``).
"""

from __future__ import annotations

import sys

if __name__ != "oracle":
    # Imported as ``tests.oracle``: Django must see ONE app with one set of models, so this
    # name serves the very modules of the top-level ``oracle`` (tests/ is on sys.path in pytest).
    import importlib
    from pathlib import Path

    _tests = str(Path(__file__).resolve().parents[1])
    if _tests not in sys.path:
        sys.path.append(_tests)
    sys.modules[__name__] = importlib.import_module("oracle")
else:
    from .core import FLAVOURS, Answer, Oracle, pg_upper, setup

__all__ = ["Answer", "Oracle", "FLAVOURS", "pg_upper", "setup"]
