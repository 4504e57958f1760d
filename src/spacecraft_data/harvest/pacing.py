"""Pacing: keep within the API's request budget, read from the free ``/api-throttle/`` endpoint."""

from __future__ import annotations

import datetime as _dt
import logging
import math

from .client import HarvestClient, RequestRefused
from .options import HarvestOptions, duration_text, rerun_at

log = logging.getLogger(__name__)


class Pacer:
    """Keeps within the API's request budget using the free ``/api-throttle/`` endpoint."""

    def __init__(self, client: HarvestClient, options: HarvestOptions) -> None:
        self.client, self.options = client, options
        self.url = f"{options.base_url.rstrip('/')}/{options.api_version}/api-throttle/?format=json"
        self.known = False
        self.limit = self.frequency = self.remaining = self.next_use = 0

    def read(self) -> bool:
        """Read the throttle state; False (and pacing off) when the server has no such endpoint."""
        try:
            response, _ = self.client.get(self.url, counted=False)
            if response.status_code != 200:
                raise ValueError(response.status_code)
            state = response.json()[0]
            limit, used = int(state["your_request_limit"]), int(state["current_use"])
            frequency, next_use = int(state["limit_frequency_secs"]), int(state["next_use_secs"])
        except RequestRefused:  # another origin, a limit or a wait too long: as fatal here as for a page
            raise
        except Exception:  # noqa: BLE001 - any other failure means "no throttle information", never fatal
            self.known = False
            return False
        self.known = True
        # Negative waits (a broken server) would make sleep() raise: read them as "no wait".
        self.limit, self.frequency, self.next_use = limit, max(frequency, 0), max(next_use, 0)
        self.remaining = limit - used
        return True

    def estimate(self, needed: int) -> float:
        """Seconds of waiting ``needed`` more requests will take, roughly."""
        if not self.known or needed <= self.remaining or self.limit <= 0:
            return 0.0
        deficit = needed - max(self.remaining, 0)
        windows = math.ceil(deficit / self.limit)
        first = self.next_use if self.remaining <= 0 and self.next_use else self.frequency
        return first + (windows - 1) * self.frequency

    def before_request(self, still_needed: int) -> None:
        """Wait, when the budget is used up, until the API allows another request."""
        if not self.known or self.remaining > 0:
            return
        for _ in range(self.options.max_throttle_waits):
            if not self.read() or self.remaining > 0:
                return
            wait = self.next_use or self.frequency
            left = self.estimate(still_needed)
            if wait > self.options.max_wait:
                raise RequestRefused(
                    f"rate limit: {self.limit - self.remaining} of {self.limit} requests used; the next is "
                    f"allowed in {duration_text(wait)}, more than the --max-wait of "
                    f"{duration_text(self.options.max_wait)}; stopped without waiting. Rerun after "
                    f"{rerun_at(self.options, wait)} (saved pages are reused)"
                )
            until = (self.options.now() + _dt.timedelta(seconds=wait)).strftime("%H:%M:%S UTC")
            log.info(
                f"rate limit: {self.limit - self.remaining} of {self.limit} requests used in the "
                f"{duration_text(self.frequency)} window; waiting {duration_text(wait)}, until {until} "
                f"({still_needed} request(s) to go, about {duration_text(left)} of waiting left)"
            )
            self.options.sleep(wait)
        self.read()

    def spent(self, n: int) -> None:
        """Count ``n`` requests made against the budget read last."""
        self.remaining -= n
