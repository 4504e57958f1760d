"""``TYPE_CHECKING`` without importing :mod:`typing` (about 4 ms of start-up).

Details: docs/architecture.md#caches-durations-strict-json
"""

TYPE_CHECKING = False
