"""Harvest LL2 (or any LL2-compatible server) into a new versioned snapshot, resumably and atomically.

Behaviour, secrets, limits, exit status: docs/harvest.md#refreshing-the-data-harvest-import-pages-diff.
Modules: docs/architecture.md#tables-validation-harvest
"""

from __future__ import annotations

from .harvester import harvest
from .importing import import_embedded, import_pages
from .options import (
    API_KEY_ENV,
    HarvestError,
    HarvestNetworkError,
    HarvestOptions,
    HarvestResult,
    HarvestUsageError,
    default_validator,
)
from .publish import label_root, next_version, publish_sources

__all__ = [
    "API_KEY_ENV",
    "HarvestError",
    "HarvestNetworkError",
    "HarvestUsageError",
    "HarvestOptions",
    "HarvestResult",
    "harvest",
    "publish_sources",
    "next_version",
    "default_validator",
    "import_pages",
    "import_embedded",
    "label_root",
]
