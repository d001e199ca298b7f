"""sector_weights: per-portfolio, per-sector sums of bond weights, safe and fast.

A ctypes binding of the Rust library (C ABI, ``include/sector_weights.h``). Every input is
checked before anything is written; errors name what was wrong and where; results are
bit-identical for any thread count; the GIL is released during every computation.

>>> import numpy as np, sector_weights as sw
>>> sw.sector_weights(np.array([[0.5, 0.5], [0.2, 0.8]]), np.array([[0, 1], [1, 1]]), 2)
array([[0.5, 0.5],
       [0. , 1. ]])

Module layout: ``_loader`` finds, loads and declares the library; ``_errors`` has the status
codes and :class:`SectorWeightsError`; ``_core`` has the argument conversion shared by every
entry point and the array functions; ``_pm`` has the portfolio-manager helpers built on them
(targets and tolerance bands, order lists, their reports), re-exported here.
"""

from ._core import (
    __version__,
    get_num_threads,
    library_path,
    sector_exposures,
    sector_weights,
    set_num_threads,
    status_message,
)
from ._errors import SectorWeightsError, Status
from ._loader import ENV_VAR as LIBRARY_ENV_VAR
from ._pm import OrderEvaluation, TargetComparison, compare_to_targets, evaluate_orders

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
    "SectorWeightsError",
    "Status",
    "set_num_threads",
    "get_num_threads",
    "status_message",
    "library_path",
    "LIBRARY_ENV_VAR",
]
