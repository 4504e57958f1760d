"""Django REST Framework and django-filter query semantics over in-memory records, one module per concern.

Details: docs/architecture.md#the-query-package
"""

from __future__ import annotations

from .engine import Engine
from .filters import BooleanFilter, ChoiceFilter, ExactFilter, Filter
from .ordering import OrderingFilter
from .pagination import LimitOffsetPagination
from .params import (
    MAX_NUMBER_FIELDS,
    Invalid,
    InvalidFilters,
    InvalidSearch,
    QueryParams,
    Refused,
    TooManyFields,
)
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
