"""sector_weights: per-portfolio, per-sector sums of bond weights, safe and fast.

A ctypes binding of the Rust library (C ABI, ``include/sector_weights.h``). Every input is
checked before anything is written; errors name what was wrong and where; results are
bit-identical for any thread count; the GIL is released during every computation.

>>> import numpy as np, sector_weights as sw
>>> sw.sector_weights(np.array([[0.5, 0.5], [0.2, 0.8]]), np.array([[0, 1], [1, 1]]), 2)
array([[0.5, 0.5],
       [0. , 1. ]])

Module layout, from the library up:

- ``_loader``: finds and loads the library file, checks its version;
- ``_lib``: the one library handle, each function declared below the C prototype it mirrors;
- ``_errors``: :class:`Status` (named by the library), :class:`SectorWeightsError` and
  ``check``, the one status check, which raises with the library's own message;
- ``_fastpath`` (with ``_fastcall.c``): whether arrays are ready for the original entry points
  as they are (float64, int32, int64 offsets), and ``sector_weights()`` for ready arrays in C;
- ``_arrays``: the library's dtypes (also the native ones of the typed entry points: int8 ...
  uint32 codes, float32/float64, in ``SwColumn`` structures) and the conversion of one argument;
  ``_inputs``: one call's inputs and their layout (``(B,)``, ``(P, B)``, ragged with offsets,
  grouped by portfolio codes);
- ``_core``: ``sector_weights``, ``sector_exposures``, the thread count;
- ``_partial``: :class:`Partial`, exact sums of some rows that merge, travel as bytes and pickle
  (for Dask, Spark and other engines that never see all rows in one call);
- ``_pm`` and ``_reports``: targets and tolerance bands, order lists, their results and reports;
- ``holdings`` (with ``_table``, ``_rows``, ``_bands``, ``_orders``, ``_results``,
  ``_frames``, ``_display``): the table API, ``Holdings`` (docs/tables.md);
- ``dask`` and ``spark`` (with ``_distributed``): the table API on a Dask or PySpark DataFrame
  partitioned any way, with exact sums (docs/distributed.md); imported by the user, never here
  (``import sector_weights.dask`` needs dask, ``sector_weights.spark`` needs pyspark).
"""

from . import _lib
from ._core import get_num_threads, sector_exposures, sector_weights, set_num_threads
from ._errors import SectorWeightsError, Status, status_message
from ._loader import ENV_VAR as LIBRARY_ENV_VAR
from ._partial import Partial
from ._pm import OrderEvaluation, TargetComparison, compare_to_targets, evaluate_orders
from ._threadpoolctl import register as _register_threadpoolctl

_register_threadpoolctl()  # with threadpoolctl installed, threadpool_limits() limits the library too

__version__: str = _lib.version
library_path: str = str(_lib.path)
"""The file the library was loaded from."""

# The table API (holdings tables in, labelled frames out); built on the names above only.
from .holdings import Holdings, TableComparison, TableEvaluation

__all__ = [
    "__version__",
    "Holdings",
    "TableComparison",
    "TableEvaluation",
    "sector_weights",
    "sector_exposures",
    "compare_to_targets",
    "evaluate_orders",
    "TargetComparison",
    "OrderEvaluation",
    "Partial",
    "SectorWeightsError",
    "Status",
    "set_num_threads",
    "get_num_threads",
    "status_message",
    "library_path",
    "LIBRARY_ENV_VAR",
]
