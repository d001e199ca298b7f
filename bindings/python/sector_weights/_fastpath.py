"""The C fast path (``_fastcall.c``), the one place that decides whether arrays are ready for the
library as they are: exactly ``numpy.ndarray``, C-contiguous, aligned, of the element type the
library reads (native byte order).

- ``sector_weights(weights, sectors, num_sectors, out)``: ``sector_weights()`` for ready arrays,
  done in C; returns the result, an int status (the library failed: raise with ``check``), or
  None (not ready: take the general path).
- ``ready(letters, *arrays)``: whether every array is ready, array i holding elements of the
  struct-module letter ``letters[i]`` (``"d"`` float64, ``"i"`` int32, ``"q"`` int64).

Why in C: code that runs right after a large call finds its caches cold (the call streamed its
input through this core's L2); the same checks in Python cost 10-20 us there.

The extension calls ``sw_sector_weights`` through the address of the function ``_lib``
declared (so ``SECTOR_WEIGHTS_LIBRARY`` and the version check apply). It is absent only in a
source checkout that was not built: then nothing is ready and every call takes the general path.
"""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Optional

import numpy as np

from . import _lib

sector_weights: Optional[Callable[..., Any]]
ready: Callable[..., bool]

try:
    from . import _fastcall  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - the installed package always has it
    sector_weights = None

    def ready(letters: str, *arrays: Any) -> bool:
        return False

else:
    _fastcall.configure(
        ctypes.cast(_lib.sw_sector_weights, ctypes.c_void_p).value, np.ndarray, np.empty
    )
    sector_weights = _fastcall.call
    ready = _fastcall.ready
