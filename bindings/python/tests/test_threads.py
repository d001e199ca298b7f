"""Threads: bit-identical results for any pool size, many Python threads at once, and the GIL
released during library calls (real parallelism from Python threads)."""

from __future__ import annotations

import ctypes
import statistics
import sys
import threading
import time

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import SectorWeightsError


def hard_weights(rng, shape):
    """Mixed signs and magnitudes: any change of summation order changes the last bits."""
    return rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 7, shape)


def test_bit_identical_for_any_thread_count(rng, restore_threads):
    w = hard_weights(rng, (3, 400_000))  # large enough to be split across the pool
    c = rng.integers(0, 18, w.shape, dtype=np.int32)
    v = rng.random(w.shape) * 10
    sizes = [1_300_000, 0, 7, 100_000]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    rw = hard_weights(rng, int(offsets[-1]))
    rc = rng.integers(0, 40, rw.size, dtype=np.int32)
    results = {}
    for n in (1, 2, 3, 0):
        sw.set_num_threads(n)
        assert sw.get_num_threads() >= 1
        results[n] = [
            sw.sector_weights(w, c, 18),
            sw.sector_weights(rw, rc, 40, offsets=offsets),
            sw.sector_exposures(w, v, c, 18, normalize=True),
        ]
    one = results[1]
    for n, got in results.items():
        for a, b in zip(one, got):
            assert a.tobytes() == b.tobytes(), f"{n} threads differ from 1 thread"
    # And the numbers are right, not only stable.
    want = np.array([np.bincount(c[p], w[p], minlength=18) for p in range(3)])
    np.testing.assert_allclose(one[0], want, rtol=0, atol=1e-9 * np.abs(w).sum())


def test_set_and_get_num_threads(restore_threads):
    sw.set_num_threads(3)
    assert sw.get_num_threads() == 3
    sw.set_num_threads(1)
    assert sw.get_num_threads() == 1
    sw.set_num_threads(0)
    assert sw.get_num_threads() >= 1


def test_eight_python_threads_at_once(rng):
    """Each thread computes its own inputs many times, some with an error at a thread-specific
    position: every result is bit-identical to the serial one, every error names its own
    position (the library's last error is per thread)."""
    jobs = []
    for t in range(8):
        P, B = (2, 60_000) if t % 2 else (5, 300 + 37 * t)
        w = hard_weights(rng, (P, B))
        c = rng.integers(0, 18, (P, B), dtype=np.int32)
        bad = c.copy()
        bad[P - 1, t] = 100 + t
        jobs.append((w, c, bad, sw.sector_weights(w, c, 18)))
    barrier = threading.Barrier(8)
    failures = []

    def run(t):
        w, c, bad, want = jobs[t]
        barrier.wait()
        try:
            for _ in range(25):
                got = sw.sector_weights(w, c, 18)
                if got.tobytes() != want.tobytes():
                    failures.append(f"thread {t}: wrong result")
                out = np.full(want.shape, -1.0)
                try:
                    sw.sector_weights(w, bad, 18, out=out)
                    failures.append(f"thread {t}: no error")
                except SectorWeightsError as e:
                    expected = f"sector code {100 + t} at bond {t} of portfolio {w.shape[0] - 1}"
                    if expected not in e.message:
                        failures.append(f"thread {t}: got someone else's error: {e.message}")
                if not np.all(out == -1.0):
                    failures.append(f"thread {t}: out modified on error")
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(f"thread {t}: {e!r}")

    threads = [threading.Thread(target=run, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures[:5]


def _max_gap_ratio(call, calls=9):
    """Runs `call` `calls` times on a second thread while this thread keeps running Python code
    and timestamps it. For each call, the longest stretch inside the call during which this
    thread made no progress, as a fraction of the call's duration; the median over the calls.
    ~0 when the call releases the GIL, ~1 when it holds it."""
    windows = []
    done = threading.Event()

    def worker():
        for _ in range(calls):
            t0 = time.perf_counter()
            call()
            windows.append((t0, time.perf_counter()))
        done.set()

    stamps = []
    th = threading.Thread(target=worker)
    # Hand the GIL over quickly, so that a held GIL shows as the whole call, not less the
    # default 5 ms slices this thread may get between the worker's timestamp and its call.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    try:
        th.start()
        while not done.is_set():
            stamps.append(time.perf_counter())
            sum(range(50))  # a little Python work: needs the GIL
        th.join()
    finally:
        sys.setswitchinterval(interval)
    stamps = np.array(stamps)
    ratios = []
    for t0, t1 in windows:
        inside = stamps[(stamps > t0) & (stamps < t1)]
        points = np.concatenate([[t0], inside, [t1]])
        ratios.append(float(np.max(np.diff(points))) / (t1 - t0))
    return statistics.median(ratios)


@pytest.fixture(scope="module")
def big_input():
    rng = np.random.default_rng(3)
    n = 12_000_000  # ~15-30 ms per call on one core
    return rng.random(n), rng.integers(0, 18, n, dtype=np.int32)


def test_gil_is_released_during_library_calls(big_input, restore_threads):
    """While one Python thread is inside a long library call, another keeps running Python
    code. The control, the same library loaded with ctypes.PyDLL (which keeps the GIL), shows
    the measurement detects a held GIL."""
    w, c = big_input
    sw.set_num_threads(1)  # the call uses one core; this thread has the other

    released = _max_gap_ratio(lambda: sw.sector_weights(w, c, 18))

    held_lib = ctypes.PyDLL(sw.library_path)
    fn = held_lib.sw_sector_weights
    fn.restype = ctypes.c_int32
    fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t] * 2 + [ctypes.c_size_t] * 2 + [
        ctypes.c_void_p, ctypes.c_size_t
    ]
    out = np.empty(18)
    held = _max_gap_ratio(
        lambda: fn(w.ctypes.data, w.size, c.ctypes.data, c.size, 1, 18, out.ctypes.data, 18)
    )
    print(f"longest stall of the other thread: {released:.1%} of a call (GIL released), "
          f"{held:.1%} (PyDLL control)")
    assert held > 0.7, f"control failed: with PyDLL the GIL should be held (ratio {held:.2f})"
    assert released < 0.5, (
        f"the other thread was stalled for {released:.0%} of a call: GIL not released"
    )
