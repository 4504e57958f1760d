"""The client libraries' own extension points, pointed at an :class:`~.interceptor.Interceptor` (``Offline``).

Each library is hooked where it lets a caller choose how a request is sent, and
nowhere lower (no socket is patched):

* ``requests``: a transport adapter (``requests.adapters.HTTPAdapter``, the
  documented way to change how a ``Session`` sends). ``Session.mount`` alone only
  reaches sessions the test creates itself, while ``requests.get`` makes its own
  ``Session`` and libraries keep long-lived ones; so ``Session.get_adapter`` (the
  documented public method every send goes through to pick the mounted adapter)
  is wrapped to return the offline adapter for LL2 hosts. Sessions created before
  activation are covered too, and a user's own mounts for other hosts still apply.
* ``httpx``: a custom ``httpx.BaseTransport`` / ``httpx.AsyncBaseTransport`` (the
  documented transport API), given to every ``Client``/``AsyncClient`` through the
  documented ``mounts=`` argument (``{"all://ll.thespacedevs.com": transport}``):
  ``Client.__init__`` is wrapped to add those mounts. ``httpx.get`` builds its own
  ``Client``, so it is covered; a client created *before* activation is not (httpx
  has no public way to add a mount to an existing client).
* ``urllib.request``: a handler (``urllib.request.BaseHandler`` with ``http_open``
  and ``https_open``, ahead of the default handlers) in an opener made active with
  ``urllib.request.install_opener``; ``urlopen`` uses it. The opener installed before
  is put back on exit.

A library that is not installed is skipped: nothing of it is imported.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from ..typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from .interceptor import Interceptor

__all__ = ["install"]


def install(offline: Interceptor) -> Callable[[], None]:
    """Hook every installed client library to ``offline``; return the function that undoes it (LIFO)."""
    undo: list[Callable[[], None]] = []
    try:
        for name, hook in (("requests", _hook_requests), ("httpx", _hook_httpx), ("urllib", _hook_urllib)):
            if name == "urllib" or importlib.util.find_spec(name) is not None:
                undo.append(hook(offline))
    except BaseException:
        for step in reversed(undo):
            step()
        raise

    def uninstall() -> None:
        for step in reversed(undo):
            step()

    return uninstall


# -- requests ---------------------------------------------------------------
def _hook_requests(offline: Interceptor) -> Callable[[], None]:
    import requests

    from .requests_adapter import OfflineAdapter

    adapter = OfflineAdapter(offline)
    original = requests.Session.get_adapter

    def get_adapter(self: requests.Session, url: str) -> Any:
        if offline.answers(url):
            return adapter
        offline.check_passthrough("", url, "requests")
        return original(self, url)

    get_adapter.__doc__ = original.__doc__
    requests.Session.get_adapter = get_adapter  # type: ignore[method-assign]

    def undo() -> None:
        requests.Session.get_adapter = original  # type: ignore[method-assign]

    return undo


# -- httpx ------------------------------------------------------------------
def _hook_httpx(offline: Interceptor) -> Callable[[], None]:
    import httpx

    from .httpx_transport import OfflineAsyncTransport, OfflineTransport

    originals = {cls: cls.__init__ for cls in (httpx.Client, httpx.AsyncClient)}
    transports = {httpx.Client: OfflineTransport(offline), httpx.AsyncClient: OfflineAsyncTransport(offline)}

    def check(request: httpx.Request) -> None:
        if not offline.answers(str(request.url)):
            offline.check_passthrough(request.method, str(request.url), "httpx")

    async def async_check(request: httpx.Request) -> None:
        check(request)

    def wrap(cls: Any) -> Any:
        original = originals[cls]
        hook = async_check if cls is httpx.AsyncClient else check

        def __init__(self: Any, *args: Any, mounts: dict[str, Any] | None = None,
                     event_hooks: dict[str, list[Any]] | None = None, **kwargs: Any) -> None:
            mounts = dict(mounts or {})
            for host in offline.hosts:
                mounts[f"all://{host}"] = transports[cls]
            # Strict mode's refusal is a documented request event hook: it runs before any transport.
            hooks = {name: list(fns) for name, fns in (event_hooks or {}).items()}
            hooks["request"] = [hook, *hooks.get("request", [])]
            original(self, *args, mounts=mounts, event_hooks=hooks, **kwargs)

        __init__.__doc__ = original.__doc__
        return __init__

    for cls in originals:
        setattr(cls, "__init__", wrap(cls))  # noqa: B010 - mypy refuses a plain assignment to a method

    def undo() -> None:
        for cls, original in originals.items():
            setattr(cls, "__init__", original)  # noqa: B010

    return undo


# -- urllib.request ---------------------------------------------------------
def _hook_urllib(offline: Interceptor) -> Callable[[], None]:
    import urllib.request

    from .urllib_handler import OfflineHandler

    # urllib keeps the installed opener in a module global and has no getter: read it to put it back.
    previous = getattr(urllib.request, "_opener", None)
    urllib.request.install_opener(urllib.request.build_opener(OfflineHandler(offline)))

    def undo() -> None:
        urllib.request.install_opener(previous)

    return undo
