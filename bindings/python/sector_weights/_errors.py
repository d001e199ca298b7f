"""Status codes, the exception that carries them, and the one check of a library call's status.

Names, descriptions and error details all come from the library (``sw_status_name``,
``sw_status_message``, ``sw_last_error_message``): none is typed here.
"""

from __future__ import annotations

import ctypes
import enum
from typing import Dict, Tuple, Type, Union

from . import _lib

__all__ = ["Status", "SectorWeightsError", "check", "status_message", "status_name"]


def status_name(status: int) -> str:
    """The library's C name of a status code, e.g. ``SW_ERROR_NON_FINITE``."""
    name: bytes = _lib.sw_status_name(int(status))
    return name.decode("ascii", "replace")


def status_message(status: int) -> str:
    """The library's static description of a status code."""
    text: bytes = _lib.sw_status_message(int(status))
    return text.decode("utf-8", "replace")


def last_error_message() -> str:
    """The calling thread's last error detail from the library ("" after a successful call)."""
    n = _lib.sw_last_error_message(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    _lib.sw_last_error_message(buf, n + 1)
    return buf.value.decode("utf-8", "replace")


def _library_statuses() -> Dict[str, int]:
    """Every status the library names, by its C name less ``SW_``: codes 0, 1, ... up to the
    first one it has no ``SW_`` name for (the codes are consecutive; a test compares them with
    the header's ``enum SwStatus``)."""
    statuses = {}
    while True:
        code = len(statuses)
        name = status_name(code)
        if not name.startswith("SW_"):
            return statuses
        statuses[name[len("SW_"):]] = code


class _StatusCodes(enum.IntEnum):
    @property
    def c_name(self) -> str:
        """The name in the C header, e.g. ``SW_ERROR_NON_FINITE``."""
        return status_name(self)


Status = _StatusCodes("Status", _library_statuses(), module=__name__, qualname="Status")
Status.__doc__ = """The library's ``SwStatus`` codes (``include/sector_weights.h``), by the same
names less ``SW_``, e.g. ``Status.ERROR_NON_FINITE``."""


class SectorWeightsError(ValueError):
    """A failure reported by the library (or found by this package before the call, in the
    library's own terms: an integer the library cannot be given — a code outside int32 for the
    order-list functions, a uint64 code above int64, an offset above int64).

    ``status`` is the int status code (a :class:`Status`); ``message`` is the library's own
    detail, naming what was wrong and where, e.g.
    ``"sector code 25 at bond 1043 of portfolio 7 is outside 0..18"``.
    """

    status: Union[Status, int]
    message: str

    def __init__(self, status: int, message: str) -> None:
        try:
            self.status = Status(status)
        except ValueError:  # a code the library has no name for
            self.status = status
        self.message = message
        name = self.status.c_name if isinstance(self.status, Status) else f"status {status}"
        super().__init__(f"{message} ({name})")

    def __reduce__(self) -> Tuple[Type["SectorWeightsError"], Tuple[int, str]]:  # keep (status, message) across pickling (multiprocessing, Dask)
        return (type(self), (int(self.status), self.message))


def check(status: int) -> None:
    """Raises :class:`SectorWeightsError` for a failed library call (any status but 0), with the
    calling thread's last error detail from the library, or its description of the status."""
    if status:
        raise SectorWeightsError(status, last_error_message() or status_message(status))
