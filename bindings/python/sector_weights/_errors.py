"""Status codes of the C library and the exception that carries them."""

from __future__ import annotations

import enum
from typing import Tuple, Type

__all__ = ["Status", "SectorWeightsError"]


class Status(enum.IntEnum):
    """The library's ``SwStatus`` codes (``include/sector_weights.h``), by the same names less ``SW_``."""

    OK = 0
    ERROR_NULL_POINTER = 1
    ERROR_LENGTH_MISMATCH = 2
    ERROR_SIZE_OVERFLOW = 3
    ERROR_SECTOR_OUT_OF_RANGE = 4
    ERROR_NON_FINITE = 5
    ERROR_INVALID_ARGUMENT = 6
    ERROR_OVERLAP = 7
    ERROR_MISALIGNED = 8
    ERROR_BAD_OFFSETS = 9
    ERROR_ZERO_TOTAL = 10
    ERROR_OUT_OF_MEMORY = 11
    ERROR_THREAD_POOL = 12
    ERROR_PANIC = 13

    @property
    def c_name(self) -> str:
        """The name in the C header, e.g. ``SW_ERROR_NON_FINITE``."""
        return "SW_" + self.name


class SectorWeightsError(ValueError):
    """A failure reported by the library (or found by this package before the call, in the
    library's own terms: an integer sector code that does not fit in int32).

    ``status`` is the int status code (a :class:`Status`); ``message`` is the library's own
    detail, naming what was wrong and where, e.g.
    ``"sector code 25 at bond 1043 of portfolio 7 is outside 0..18"``.
    """

    status: Status
    message: str

    def __init__(self, status: int, message: str) -> None:
        try:
            self.status = Status(status)
        except ValueError:  # a newer library with a code this package does not know
            self.status = status  # type: ignore[assignment]
        self.message = message
        name = self.status.c_name if isinstance(self.status, Status) else f"status {status}"
        super().__init__(f"{message} ({name})")

    def __reduce__(self) -> Tuple[Type["SectorWeightsError"], Tuple[int, str]]:  # keep (status, message) across pickling (multiprocessing, Dask)
        return (type(self), (int(self.status), self.message))
