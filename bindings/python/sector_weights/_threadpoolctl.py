"""The library's thread pool as seen by threadpoolctl (an optional dependency).

With threadpoolctl 3.3 or later installed, importing ``sector_weights`` registers a controller
for the library, so that threadpoolctl treats it like BLAS and OpenMP::

    from threadpoolctl import threadpool_info, threadpool_limits
    with threadpool_limits(1):        # this library computes on 1 thread, like BLAS and OpenMP
        sw.sector_weights(...)
    # on exit the count it had before is set again

    threadpool_info()  # [..., {"user_api": "sector_weights", "internal_api": "rayon",
                       #       "prefix": ..., "filepath": <the loaded library>,
                       #       "version": "0.1.0", "num_threads": 2}]

``threadpool_limits(n, user_api="sector_weights")`` limits this library only; ``user_api="blas"``
or ``"openmp"`` leaves it alone. A limit above the library's maximum (4096) sets the maximum (an
error there would leave the libraries limited before it unrestored); a limit of 0 sets the default size (see ``set_num_threads``). On
exit threadpoolctl sets the count read on entry, as an explicit count: the pool keeps its size,
but a later change of ``SECTOR_WEIGHTS_NUM_THREADS`` & co. counts only after
``set_num_threads(0)``, as after any explicit count.

Without threadpoolctl, or with a version older than 3.3 (which cannot tell this library from
another file of the same name prefix), nothing is registered and nothing else changes.

The controller works on the library file threadpoolctl found (``self.dynlib``), with the
declarations of ``_lib`` (one source of the C prototypes): a second copy of the library loaded
from another file gets its own controller and is limited too.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from typing import Any, Optional, Tuple

from . import _lib
from ._errors import SectorWeightsError, Status, status_message

__all__ = ["USER_API", "INTERNAL_API", "MAX_THREADS", "MIN_VERSION", "register", "registered"]

USER_API = "sector_weights"
"""The ``user_api`` threadpoolctl lists the library under (and limits with ``user_api=``)."""
INTERNAL_API = "rayon"
"""The ``internal_api``: the thread-pool implementation inside the library."""
MAX_THREADS = 4096
"""The most threads ``sw_set_num_threads`` accepts; larger limits are lowered to it."""
MIN_VERSION = (3, 3)
"""The first threadpoolctl that checks a controller's symbols (``check_symbols``) before it
lists a library whose file name merely starts like this one's."""

_registered = False


def registered() -> bool:
    """Whether a controller was registered with threadpoolctl in this process."""
    return _registered


def _version_tuple(version: str) -> Tuple[int, int]:
    found = re.match(r"(\d+)\.(\d+)", version)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def _prefixes() -> Tuple[str, ...]:
    """File-name prefixes threadpoolctl matches (lower case, as it compares them): the names the
    library has in a C build (``libsector_weights.so``, ``sector_weights.dll``) and the name of
    the file this package loaded (``_native.cpython-...so`` when bundled, or whatever
    ``SECTOR_WEIGHTS_LIBRARY`` named)."""
    loaded = os.path.basename(os.path.realpath(str(_lib.path))).lower()
    return tuple(dict.fromkeys(("libsector_weights", "sector_weights", loaded)))


def _function(dynlib: ctypes.CDLL, name: str) -> Any:
    """``name`` in the library threadpoolctl found, declared as ``_lib`` declares it."""
    restype, params = _lib.DECLARED[name]
    function = dynlib[name]  # a new function object: the declarations stay this caller's
    function.restype = restype
    function.argtypes = list(params.values())
    return function


def _raise_for(dynlib: ctypes.CDLL, status: int) -> None:
    """Raises the error ``status`` with this thread's last error detail from ``dynlib``."""
    last_error = _function(dynlib, "sw_last_error_message")
    size = last_error(None, 0)
    buf = ctypes.create_string_buffer(size + 1)
    last_error(buf, size + 1)
    message = buf.value.decode("utf-8", "replace")
    raise SectorWeightsError(status, message or status_message(status))


def _controller_class(base: type) -> type:
    class SectorWeightsController(base):  # type: ignore[valid-type,misc]
        """threadpoolctl's handle on one loaded copy of the sector-weights library."""

        user_api = USER_API
        internal_api = INTERNAL_API
        filename_prefixes = _prefixes()
        check_symbols = ("sw_set_num_threads", "sw_get_num_threads")

        def get_num_threads(self) -> int:
            n: int = _function(self.dynlib, "sw_get_num_threads")()
            if n == 0:  # the pool could not be started: the library's last error says why
                _raise_for(self.dynlib, Status.ERROR_THREAD_POOL)
            return n

        def set_num_threads(self, num_threads: int) -> None:
            n = int(num_threads)
            if n < 0:
                raise ValueError(f"a thread limit must be >= 0 (0 = the default), got {n}")
            status = _function(self.dynlib, "sw_set_num_threads")(min(n, MAX_THREADS))
            if status:
                _raise_for(self.dynlib, status)

        def get_version(self) -> Optional[str]:
            # Runs before threadpoolctl checks the symbols: the file may be another library.
            if not hasattr(self.dynlib, "sw_version"):
                return None
            version: bytes = _function(self.dynlib, "sw_version")()
            return version.decode("ascii", "replace")

    return SectorWeightsController


def register() -> bool:
    """Registers the controller if threadpoolctl (3.3 or later) is installed; True if it is
    registered (now or before). Called once when ``sector_weights`` is imported."""
    global _registered
    if _registered:
        return True
    try:
        import threadpoolctl
    except ImportError:
        return False
    if _version_tuple(getattr(threadpoolctl, "__version__", "")) < MIN_VERSION:
        return False
    modules = [threadpoolctl]
    # `python -m threadpoolctl -i sector_weights` runs threadpoolctl as __main__, a second copy
    # of the module with its own list of controllers: register there too.
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) == "threadpoolctl":
        modules.append(main)
    for module in modules:
        module.register(_controller_class(module.LibController))
    _registered = True
    return True
