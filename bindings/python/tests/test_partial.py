"""sw.Partial: exact sums of some rows that merge in any order and grouping, travel as bytes
(and pickles) and round into math.fsum of each cell's terms."""

from __future__ import annotations

import gc
import math
import pickle
from fractions import Fraction

import numpy as np
import pytest

import sector_weights as sw

P, S = 4, 6


def holdings(rng, n, kind="ordinary", values=False):
    """A holdings table: weights (adversarial by ``kind``), sector and portfolio codes."""
    sign = rng.choice([-1.0, 1.0], n)
    if kind == "ordinary":
        w = rng.random(n)
    elif kind == "magnitudes":  # 1e300 next to 1e-300, tiny and huge, subnormals
        w = sign * rng.random(n) * 10.0 ** rng.integers(-320, 300, n).astype(float)
    else:  # "cancelling": every term again, negated
        w = rng.standard_normal(n // 2) * 10.0 ** rng.integers(-30, 30, n // 2).astype(float)
        w = np.concatenate([w, -w])
    n = w.size
    s = rng.integers(0, S, n).astype(np.int16)
    p = rng.integers(0, P, n).astype(np.uint32)
    v = rng.random(n) * 8.0 - 2.0 if values else None
    return w, s, p, v


def fsum_reference(w, s, p, v=None, normalize=False):
    """math.fsum of each cell's terms (products rounded once); normalised by the exact total
    of the row rounded once, like the library."""
    terms = w * v if v is not None else w
    out = np.zeros((P, S))
    for q in range(P):
        row = [terms[(p == q) & (s == k)] for k in range(S)]
        sums = [math.fsum(t) for t in row]
        if normalize:
            exact = sum((Fraction(float(x)) for t in row for x in t), Fraction(0))
            sums = [x / float(exact) for x in sums]
        out[q] = sums
    return out


def partial(w, s, p, v=None):
    return sw.Partial.from_rows(w, s, S, portfolios=p, num_portfolios=P, values=v)


def split(rng, n, k):
    """Row indices of ``k`` random parts, each in a random order."""
    part = rng.integers(0, k, n)
    return [rng.permutation(np.flatnonzero(part == j)) for j in range(k)]


def random_tree(rng, parts):
    pool = list(parts)
    while len(pool) > 1:
        a = pool.pop(int(rng.integers(len(pool))))
        b = pool.pop(int(rng.integers(len(pool))))
        pool.append(a.merge(b) if rng.random() < 0.5 else b.merge(a))
    return pool[0]


@pytest.mark.parametrize("kind", ["ordinary", "magnitudes", "cancelling"])
@pytest.mark.parametrize("values", [False, True])
def test_results_are_fsum_whatever_the_split_and_merge_order(rng, kind, values):
    w, s, p, v = holdings(rng, 3000, kind, values)
    whole = partial(w, s, p, v)
    want = fsum_reference(w, s, p, v)
    np.testing.assert_array_equal(whole.result(), want)
    assert whole.shape == (P, S)
    for k in (1, 2, 5, 9):
        parts = [partial(w[i], s[i], p[i], None if v is None else v[i]) for i in split(rng, w.size, k)]
        order = [parts[j] for j in rng.permutation(k)]
        merged = order[0]
        for other in order[1:]:
            merged = merged.merge(other)
        assert merged == whole and merged.to_bytes() == whole.to_bytes()
        assert random_tree(rng, parts).to_bytes() == whole.to_bytes()
        assert sw.Partial.merge_all(parts) == whole
        np.testing.assert_array_equal(merged.result(), want)


def test_normalised_results(rng):
    w, s, p, _ = holdings(rng, 2000)
    got = partial(w, s, p).result(normalize=True)
    np.testing.assert_array_equal(got, fsum_reference(w, s, p, normalize=True))
    with pytest.raises(sw.SectorWeightsError) as e:
        sw.Partial.from_rows([1.0, -1.0], [0, 1], 2).result(normalize=True)
    assert e.value.status == sw.Status.ERROR_ZERO_TOTAL


def test_fsum_where_ordered_sums_differ():
    # fsum([0.1] * 10) == 1.0 and fsum([1e100, 1.0, -1e100, 1e-100]) == 1.0; summed in order,
    # 0.9999999999999999 and 1e-100.
    w = [0.1] * 10 + [1e100, 1.0, -1e100, 1e-100]
    codes = [0] * 10 + [1] * 4
    got = sw.Partial.from_rows(w, codes, 2).result()
    assert got.tolist() == [[math.fsum(w[:10]), math.fsum(w[10:])]] == [[1.0, 1.0]]


def test_layouts_and_native_dtypes_agree(rng):
    w, s, p, v = holdings(rng, 1000, values=True)
    w = w.astype(np.float32).astype(np.float64)  # float32 holds every weight exactly
    v = v.astype(np.float32).astype(np.float64)
    want = partial(w, s, p, v).to_bytes()
    typed = sw.Partial.from_rows(
        w.astype(np.float32), s.astype(np.int8), S, portfolios=p.astype(np.int64),
        num_portfolios=P, values=v.astype(np.float32),
    )  # fmt: skip
    assert typed.to_bytes() == want
    order = np.argsort(p, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(p, minlength=P))])
    ragged = sw.Partial.from_rows(w[order], s[order], S, values=v[order], offsets=offsets)
    assert ragged.to_bytes() == want
    two_d = sw.Partial.from_rows(np.ones((3, 4)), np.zeros((3, 4), dtype=np.int32), 2)
    assert two_d.shape == (3, 2) and two_d.result().tolist() == [[4.0, 0.0]] * 3
    one = sw.Partial.from_rows(np.array([0.5, 0.25]), np.array([1, 1]), 3)
    assert one.shape == (1, 3) and one.result().tolist() == [[0.0, 0.75, 0.0]]


def test_bytes_and_pickles_round_trip(rng):
    w, s, p, _ = holdings(rng, 500, "magnitudes")
    a = partial(w, s, p)
    data = a.to_bytes()
    assert isinstance(data, bytes)
    for form in (data, bytearray(data), memoryview(data), np.frombuffer(data, dtype=np.uint8)):
        b = sw.Partial.from_bytes(form)
        assert b == a and b.to_bytes() == data
    c = pickle.loads(pickle.dumps(a))
    assert c == a and c.shape == a.shape
    np.testing.assert_array_equal(c.result(), a.result())
    assert "4 portfolios x 6 sectors" in repr(a)


def test_corrupted_truncated_and_foreign_bytes_raise(rng):
    w, s, p, _ = holdings(rng, 30)
    data = partial(w, s, p).to_bytes()
    bad = [data[:n] for n in range(len(data))] + [data + b"\0"]
    for i in range(len(data)):
        for x in (0x01, 0x80, 0xFF):
            b = bytearray(data)
            b[i] ^= x
            bad.append(bytes(b))
    bad += [b"", b"SWEXACT\0", b"PK\x03\x04 a zip file", rng.bytes(100)]
    for b in bad:
        with pytest.raises(sw.SectorWeightsError) as e:
            sw.Partial.from_bytes(b)
        assert e.value.status == sw.Status.ERROR_BAD_PARTIAL
    assert "not a saved partial result" in str(
        pytest.raises(sw.SectorWeightsError, sw.Partial.from_bytes, b"PK\x03\x04").value
    )
    with pytest.raises(TypeError):
        sw.Partial.from_bytes("a string")


def test_errors_name_the_row_and_shapes_must_match(rng):
    w, s, p, _ = holdings(rng, 50)
    s[7] = S
    with pytest.raises(sw.SectorWeightsError) as e:
        partial(w, s, p)
    assert e.value.status == sw.Status.ERROR_SECTOR_OUT_OF_RANGE
    assert e.value.message == f"sector code {S} at row 7 (portfolio {p[7]}) is outside 0..{S}"
    s[7] = 0
    w[3] = np.nan
    with pytest.raises(sw.SectorWeightsError, match="weight NaN at row 3"):
        partial(w, s, p)
    a = sw.Partial.from_rows([1.0], [0], 2)
    with pytest.raises(sw.SectorWeightsError) as e:
        a.merge(sw.Partial.from_rows([1.0], [0], 3))
    assert e.value.status == sw.Status.ERROR_LENGTH_MISMATCH
    with pytest.raises(TypeError):
        a.merge(b"bytes")
    with pytest.raises(TypeError):
        sw.Partial()
    with pytest.raises(ValueError):
        sw.Partial.merge_all([])


def test_partial_sums_may_leave_the_doubles_until_merged():
    big = sw.Partial.from_rows([1.7e308, 1.7e308], [0, 0], 1)
    with pytest.raises(sw.SectorWeightsError) as e:
        big.result()
    assert e.value.status == sw.Status.ERROR_NON_FINITE
    back = sw.Partial.from_rows([-1.7e308], [0], 1)
    assert big.merge(back).result().tolist() == [[1.7e308]]


def test_handles_are_freed_with_the_objects():
    made = [sw.Partial.from_rows(np.ones(10), np.zeros(10, dtype=np.int32), 3) for _ in range(50)]
    handles = {m._handle for m in made}
    assert len(handles) == 50 and all(handles)
    m = made[0]
    m.__del__()  # what the garbage collector runs: frees once
    assert m._handle is None
    del made, m
    gc.collect()
