"""Shared fixtures and the naive reference the library is checked against."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sector_weights as sw

REPO_ROOT = Path(__file__).resolve().parents[3]


def reference(weights, codes, num_sectors, values=None, offsets=None, normalize=False):
    """Exactly rounded per-portfolio, per-sector sums (math.fsum), one bond at a time.

    weights/codes/values: 1-D (one portfolio, or ragged with offsets) or 2-D (P x B).
    Returns float64 (S,) or (P, S), like sector_weights.
    """
    w = np.asarray(weights, dtype=np.float64)
    c = np.asarray(codes).astype(np.int64)
    v = None if values is None else np.asarray(values, dtype=np.float64)
    one = offsets is None and w.ndim == 1
    if offsets is None:
        w2 = w.reshape(1, -1) if one else w
        bounds = [(p * w2.shape[1], (p + 1) * w2.shape[1]) for p in range(w2.shape[0])]
        w, c = w.ravel(), c.ravel()
        v = None if v is None else v.ravel()
    else:
        bounds = list(zip(offsets[:-1], offsets[1:]))
    out = np.zeros((len(bounds), num_sectors))
    for p, (a, b) in enumerate(bounds):
        terms = [[] for _ in range(num_sectors)]
        for i in range(a, b):
            terms[c[i]].append(w[i] * v[i] if v is not None else w[i])
        row = [math.fsum(t) for t in terms]
        if normalize:
            total = math.fsum(row)
            row = [x / total for x in row]
        out[p] = row
    return out[0] if one else out


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


@pytest.fixture
def restore_threads():
    """Puts the thread count back to the default after a test that changes it."""
    yield
    sw.set_num_threads(0)


def assert_close_to_reference(got, want, weights, values=None):
    """Sums may differ from the exactly rounded reference only by rounding: bounded by a few
    ulps of the sum of absolute terms."""
    w = np.abs(np.asarray(weights, dtype=np.float64))
    if values is not None:
        w = w * np.abs(np.asarray(values, dtype=np.float64))
    scale = float(w.sum()) if w.size else 0.0
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13 * scale + 1e-300)
