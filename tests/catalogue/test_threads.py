"""Concurrency stress from Python threads (the Python side of tests/stress.rs).

16 Python threads call the public API -- ``sector_weights`` (2-D and ragged, with and without
``normalize``) and ``sector_exposures`` -- on small and large inputs (>= 32,768 bonds, which run
on the library's pool), valid and invalid, while another thread keeps calling
``set_num_threads``. ctypes releases the GIL during each call, so the library really runs calls
from several threads at once. Every result is checked: valid ones bit for bit against numpy
(weights are multiples of 1/8, so sums are exact in any order), invalid ones for the status, the
library's message naming the position, and an untouched ``out=``. Bounded: the threads are
daemons and the test fails if they are not done within LIMIT seconds.

Run: ``make test-catalogue-python``.
"""

from __future__ import annotations

import threading
import time
from typing import List, Optional, Tuple

import numpy as np

import sector_weights as sw

THREADS = 16
CALLS_PER_THREAD = 60
LIMIT = 300.0
SENTINEL = -7.0


def make_call(rng: np.random.Generator):
    """One random call: (description, call, its out= array, expected, bond count); ``expected``
    is the result array or (status name, message)."""
    kind = ["uniform", "ragged", "exposures"][rng.integers(3)]
    large = rng.integers(4) == 0
    s = int(rng.integers(1, 40))
    p = int(rng.integers(1, 4 if large else 6))
    if kind == "uniform":
        b = int(rng.integers(32_768, 60_000) if large else rng.integers(0, 40))
        sizes = [b] * p
    else:
        sizes = [int(rng.integers(20_000, 70_000) if large else rng.integers(0, 40)) for _ in range(p)]
    n = sum(sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    w = (rng.integers(0, 161, n) - 40) / 8.0
    v = (rng.integers(0, 33, n) - 8) / 8.0
    c = rng.integers(0, s, n).astype(np.int32)
    normalize = kind != "uniform" and rng.integers(3) == 0
    terms = w * v if kind == "exposures" else w
    if normalize:
        for q in range(p):
            a, e = offsets[q], offsets[q + 1]
            if a == e:
                normalize = False
            while a < e and (w[a:e] * (v[a:e] if kind == "exposures" else 1)).sum() == 0:
                w[a] += 1.0
                v[a] = 1.0
        terms = w * v if kind == "exposures" else w
    fault = rng.integers(6) if n else 5
    expected: object
    if fault == 0:
        i = int(rng.integers(n))
        c[i] = -1 if rng.integers(2) else s
        q = int(np.searchsorted(offsets, i, side="right") - 1)
        expected = (
            "SW_ERROR_SECTOR_OUT_OF_RANGE",
            f"sector code {c[i]} at bond {i - offsets[q]} of portfolio {q} is outside 0..{s}",
        )
    elif fault == 1:
        i = int(rng.integers(n))
        w[i] = np.nan
        q = int(np.searchsorted(offsets, i, side="right") - 1)
        expected = (
            "SW_ERROR_NON_FINITE",
            f"weight NaN at bond {i - offsets[q]} of portfolio {q} is not finite",
        )
    else:
        out = np.zeros((p, s))
        for q in range(p):
            a, e = offsets[q], offsets[q + 1]
            out[q] = np.bincount(c[a:e], weights=terms[a:e], minlength=s)
            if normalize:
                out[q] /= out[q].sum()
        expected = out

    out_arr = np.full((p, s), SENTINEL)
    if kind == "uniform":
        args = (w.reshape(p, -1) if n else np.zeros((p, 0)), c.reshape(p, -1) if n else np.zeros((p, 0), np.int32))

        def call():
            return sw.sector_weights(args[0], args[1], s, out=out_arr)

    elif kind == "ragged":

        def call():
            return sw.sector_weights(w, c, s, offsets=offsets, normalize=normalize, out=out_arr)

    else:

        def call():
            return sw.sector_exposures(w, v, c, s, offsets=offsets, normalize=normalize, out=out_arr)

    return f"{kind} p={p} n={n} s={s} normalize={normalize}", call, out_arr, expected, n


def test_sixteen_python_threads_while_the_pool_is_resized() -> None:
    failures: List[str] = []
    stats = {"calls": 0, "large": 0, "errors": 0, "resizes": 0}
    lock = threading.Lock()
    stop = threading.Event()

    def caller(t: int) -> None:
        rng = np.random.default_rng(1000 + t)
        try:
            for k in range(CALLS_PER_THREAD):
                what, call, out, expected, n = make_call(rng)
                err: Optional[Tuple[str, str]] = None
                try:
                    result = call()
                except sw.SectorWeightsError as e:
                    err = (sw.Status(e.status).c_name, e.message)
                where = f"thread {t} call {k} ({what})"
                if isinstance(expected, tuple):
                    if err != expected:
                        failures.append(f"{where}: got {err}, want {expected}")
                    elif not np.all(out == SENTINEL):
                        failures.append(f"{where}: out= changed although the call failed")
                    else:
                        with lock:
                            stats["errors"] += 1
                elif err is not None:
                    failures.append(f"{where}: unexpected error {err}")
                elif result is not out or not np.array_equal(out, expected):
                    failures.append(f"{where}: result differs from numpy")
                with lock:
                    stats["calls"] += 1
                    stats["large"] += n >= 32_768
        except Exception as e:  # noqa: BLE001 - any exception is a failure to report
            failures.append(f"thread {t}: {type(e).__name__}: {e}")

    def resizer() -> None:
        counts = [1, 3, 2, 4, 0]
        k = 0
        while not stop.is_set():
            sw.set_num_threads(counts[k % len(counts)])
            assert sw.get_num_threads() >= 1
            stats["resizes"] += 1
            k += 1
            time.sleep(0.002)

    start = time.monotonic()
    r = threading.Thread(target=resizer, daemon=True)
    r.start()
    threads = [threading.Thread(target=caller, args=(t,), daemon=True) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(max(0.0, LIMIT - (time.monotonic() - start)))
    stop.set()
    r.join(10)
    alive = [th.name for th in threads if th.is_alive()]
    assert not alive, f"threads still running after {LIMIT} s (deadlock?): {alive}"
    sw.set_num_threads(0)
    assert not failures, "\n".join(failures[:20])
    assert stats["calls"] == THREADS * CALLS_PER_THREAD
    assert stats["large"] >= THREADS and stats["errors"] >= THREADS and stats["resizes"] >= 2, stats
    print(f"python stress: {stats} in {time.monotonic() - start:.2f} s")


def _large_call_in_child(q) -> None:  # runs in the forked child
    w = np.ones(100_000)
    s = np.zeros(100_000, np.int32)
    q.put(sw.sector_weights(w, s, 2).tolist())


def test_a_forked_child_can_use_the_pool() -> None:
    """multiprocessing forks by default on Linux: the child must rebuild the pool, not wait on
    the parent's threads, which it did not inherit."""
    import multiprocessing

    sw.sector_weights(np.ones(100_000), np.zeros(100_000, np.int32), 2)  # the pool is running
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_large_call_in_child, args=(q,), daemon=True)
    p.start()
    p.join(10)
    hung = p.is_alive()
    if hung:
        p.kill()
        p.join()
    assert not hung, "the forked child's call did not return within 10 s"
    assert q.get(timeout=5) == [100_000.0, 0.0]
