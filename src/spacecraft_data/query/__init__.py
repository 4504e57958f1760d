"""Django REST Framework and django-filter query semantics over in-memory records.

One module per concern, each with short methods named after the DRF or
django-filter method it mirrors, so each can be checked against that code, and
each owning the index it needs:

* :mod:`.params` — :class:`QueryParams` (Django's ``QueryDict``, under its 1000-field
  limit) and the structured errors: :class:`Refused` and its kinds;
* :mod:`.filters` — :class:`BooleanFilter`, :class:`ExactFilter`, :class:`ChoiceFilter`
  (django-filter fields) and their value indexes;
* :mod:`.search` — :class:`SearchFilter` (DRF ``SearchFilter``: ``search_smart_split``,
  ``icontains``) over one folded string of every record's fields;
* :mod:`.ordering` — :class:`OrderingFilter` (DRF ``OrderingFilter`` plus PostgreSQL's
  NULL placement), each ordering's order, and picking a page from a selection in order;
* :mod:`.pagination` — :class:`LimitOffsetPagination` and its links;
* :mod:`.bitmask` — selections as ``int`` bitmasks;
* :mod:`.engine` — :class:`Engine`, the pipeline of one endpoint over one snapshot:
  filters, then search, then order, then page.

Which filters, fields and tables an endpoint has is declared as data in
:mod:`spacecraft_data.endpoints`. Only the standard library is used here;
``isodate`` is imported only for a duration not in LL2's compact form (:mod:`spacecraft_data.durations`).

Selections are bitmasks (``int``: bit ``p`` set when record position ``p`` is selected):
``&`` intersects filters and search terms in C, ``int.bit_count()`` is the page's ``count``,
and the page is picked from the cached order without materialising the whole selection.
The bitmask of each filter value and search term, and each ordering's order, is cached per
engine in one :class:`~spacecraft_data.cache.BoundedCache` (least recently used first out),
so a repeated term costs a dictionary lookup; a new term costs one ``str.find`` pass over the
snapshot's search text. No stream of distinct values, terms or orderings grows memory past that bound.
"""

from __future__ import annotations

from .engine import Engine
from .filters import BooleanFilter, ChoiceFilter, ExactFilter, Filter
from .ordering import OrderingFilter
from .pagination import LimitOffsetPagination
from .params import MAX_NUMBER_FIELDS, Invalid, InvalidFilters, InvalidSearch, QueryParams, Refused, TooManyFields
from .search import SearchFilter

__all__ = [
    "QueryParams",
    "MAX_NUMBER_FIELDS",
    "Invalid",
    "Refused",
    "InvalidFilters",
    "InvalidSearch",
    "TooManyFields",
    "Filter",
    "BooleanFilter",
    "ExactFilter",
    "ChoiceFilter",
    "SearchFilter",
    "OrderingFilter",
    "LimitOffsetPagination",
    "Engine",
]
