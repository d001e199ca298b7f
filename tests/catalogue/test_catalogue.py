"""The catalogue of bad inputs (tests/catalogue/cases.txt), run from Python.

Two ways, both against the installed ``sector_weights`` package's library:

- ``test_raw_ctypes``: every row, through the package's ctypes declarations (``_lib``) with the
  buffers exactly as the table says (misaligned, NULL, raw addresses, aliases) -- the inputs the
  public API cannot express. Status names are the library's (``sw_status_name``).
- ``test_public_api``: the rows tagged ``api``, through ``sector_weights.sector_weights`` /
  ``sector_exposures`` with numpy arrays and ``out=`` pre-filled with a sentinel: the same status and
  the library's own message in ``SectorWeightsError``, ``out`` untouched on error, the exact output
  on success.

Run: ``make test-catalogue-python`` (the venv's pytest, from the repository root).
"""

from __future__ import annotations

import ctypes
import math
import struct
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import _errors, _lib

CASES_PATH = Path(__file__).with_name("cases.txt")
SLACK = 64
SENTINEL = -7.0
FMT = {"w": "d", "v": "d", "out": "d", "s": "i", "off": "q"}
BUFFERS = {
    "calculate_sector_weights": ["w", "s", "out"],
    "sw_sector_weights": ["w", "s", "out"],
    "sw_sector_weights_ragged": ["w", "s", "off", "out"],
    "sw_sector_exposures": ["w", "v", "s", "off", "out"],
    "sw_grouped_sums": ["w", "v", "s", "p", "out"],
    "sw_ragged_sums": ["w", "v", "s", "off", "out"],
    "sw_set_num_threads": [],
}
# The functions taking SwColumn arguments (w v s p), and the columns' element types: the header's
# dtype codes SW_INT8 (1) ... SW_FLOAT64 (9), by the catalogue's names, with their struct formats.
TYPED = ("sw_grouped_sums", "sw_ragged_sums")
TYPES = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "f32", "f64"]
STRUCT = dict(zip(TYPES, "bhiqBHIfd"))


class Case:
    def __init__(self, line: int, fields: List[str]) -> None:
        self.line = line
        self.id, self.what, self.func, args_text, self.status, self.message = fields[:6]
        self.tags = fields[6].split() if len(fields) > 6 else []
        self.args: Dict[str, str] = dict(a.split("=", 1) for a in args_text.split())

    def __repr__(self) -> str:
        return f"cases.txt:{self.line} {self.id}"


def load_cases() -> List[Case]:
    cases = []
    for i, raw in enumerate(CASES_PATH.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        assert len(fields) in (6, 7), f"cases.txt:{i}: expected 6 or 7 fields"
        cases.append(Case(i, fields))
    return cases


CASES = load_cases()


def parse_u64(s: str) -> int:
    if s == "max":
        return 2**64 - 1
    if s.startswith("2^"):
        return 1 << int(s[2:])
    return int(s)


def column_type(case: Case, name: str) -> Tuple[int, str]:
    """Column ``name``'s dtype field and the type its values are written in (see cases.txt)."""
    default = "f64" if name in ("w", "v") else "i32"
    t = case.args.get(name + "t")
    if t is None or t in TYPES:
        t = t or default
        return TYPES.index(t) + 1, t
    code = int(t)
    return code, TYPES[code - 1] if 1 <= code <= 9 else default


def buffer_format(case: Case, name: str) -> str:
    """The struct format of one element of buffer ``name``."""
    if case.func in TYPED and name in ("w", "v", "s", "p"):
        return STRUCT[column_type(case, name)[1]]
    return FMT[name]


def c_value(fmt: str, x):
    """``x`` as a C cast to the type of ``fmt`` gives it: integers wrap, float32 rounds."""
    if fmt == "f":
        return ctypes.c_float(x).value
    if fmt == "d":
        return x
    bits = 8 * struct.calcsize(fmt)
    x &= (1 << bits) - 1
    return x - (1 << bits) if fmt.islower() and x >= 1 << (bits - 1) else x


def items(name: str, spec: str, fmt: Optional[str] = None) -> list:
    """The element values of "[..]" / "mis[..]" / "n:K" (``fmt``: the element type, by default
    the buffer's type in the article's functions)."""
    fmt = fmt or FMT[name]
    conv = float if fmt in "fd" else int
    if spec.startswith("n:"):
        k = int(spec[2:])
        vals = [SENTINEL if name == "out" else (1 if name in ("w", "v") else 0)] * k
    else:
        inner = spec[spec.index("[") + 1 : spec.rindex("]")]
        vals = [x for x in inner.split(",") if x]
    return [c_value(fmt, conv(x)) for x in vals]


def parse_expect(spec: str) -> List[Optional[float]]:
    """None stands for "nonfinite" (NaN or +-Inf, known issues only)."""
    inner = spec.strip("[]")
    return [None if x == "nonfinite" else float(x) for x in inner.split(",") if x]


def same_values(got, want: List[Optional[float]]) -> bool:
    got = [float(x) for x in got]
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if w is None:
            if math.isfinite(g):
                return False
        elif not (struct.pack("=d", g) == struct.pack("=d", w) or (math.isnan(g) and math.isnan(w))):
            return False
    return True


# ------------------------------------------------------------------------------------------------
# Raw ctypes: the package's declarations (sector_weights/_lib.py), pointers as raw addresses

def last_error() -> str:
    n = _lib.sw_last_error_message(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    assert _lib.sw_last_error_message(buf, n + 1) == n
    return buf.value.decode()


class Mem:
    """The case's buffers: 16-byte-aligned allocations with slack, and the pointers passed."""

    def __init__(self, case: Case) -> None:
        self.keep = []  # the ctypes buffers (alive for the call)
        self.arenas: List[Tuple[int, int]] = []  # (address, bytes)
        self.ptr: Dict[str, int] = {}
        self.len: Dict[str, int] = {}
        names = BUFFERS[case.func]
        for alias_pass in (False, True):
            for name in names:
                spec = case.args.get(name, "null")
                if spec.startswith("@") != alias_pass:
                    continue
                count = 0
                if spec == "null":
                    addr = 0
                elif spec.startswith("addr:"):
                    addr = int(spec[5:], 16)
                elif spec.startswith("@"):
                    target, off = spec[1:].split("+")
                    addr = self.ptr[target] + int(off)
                else:
                    skew = 1 if spec.startswith("mis") else 0
                    fmt = buffer_format(case, name)
                    vals = items(name, spec, fmt)
                    data = struct.pack(f"={len(vals)}{fmt}", *vals)
                    size = len(data) + skew + SLACK
                    raw = ctypes.create_string_buffer(size + 16)
                    self.keep.append(raw)
                    base = (ctypes.addressof(raw) + 15) & ~15
                    ctypes.memset(base, 0, size)
                    ctypes.memmove(base + skew, data, len(data))
                    self.arenas.append((base, size))
                    addr, count = base + skew, len(vals)
                key = "offl" if name == "off" else name[0] + "l"
                self.ptr[name] = addr
                self.len[name] = parse_u64(case.args[key]) if key in case.args else count

    def snapshot(self) -> List[bytes]:
        return [ctypes.string_at(a, n) for a, n in self.arenas]


class SwColumn(ctypes.Structure):
    """``SwColumn`` of the header: a column read in place."""

    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t), ("dtype", ctypes.c_int32)]


def _typed_function(name: str, *argtypes):
    """The typed entry points, declared here (``handle[name]`` makes a function object of its
    own, so declarations in ``_lib`` are never changed): SwColumn pointers as raw addresses."""
    function = _lib.handle[name]
    function.restype = ctypes.c_int32
    function.argtypes = list(argtypes)
    return function


_p, _size = ctypes.c_void_p, ctypes.c_size_t
# SwStatus sw_grouped_sums(const SwColumn *weights, const SwColumn *values, const SwColumn *sectors,
#                          size_t num_sectors, const SwColumn *portfolios, size_t num_portfolios,
#                          uint32_t flags, double *out, size_t out_len);
sw_grouped_sums = _typed_function(
    "sw_grouped_sums", _p, _p, _p, _size, _p, _size, ctypes.c_uint32, _p, _size
)
# SwStatus sw_ragged_sums(const SwColumn *weights, const SwColumn *values, const SwColumn *sectors,
#                         size_t num_sectors, const int64_t *offsets, size_t offsets_len,
#                         uint32_t flags, double *out, size_t out_len);
sw_ragged_sums = _typed_function(
    "sw_ragged_sums", _p, _p, _p, _size, _p, _size, ctypes.c_uint32, _p, _size
)


def call(case: Case, mem: Mem) -> int:
    a = case.args
    num = lambda k: parse_u64(a.get(k, "0"))  # noqa: E731
    p, n = (lambda k: mem.ptr.get(k, 0) or None), (lambda k: mem.len.get(k, 0))
    f = case.func
    if f in TYPED:
        # The SwColumn arguments (alive for the call): a column left out is a NULL pointer.
        cols = {
            k: SwColumn(p(k), n(k), column_type(case, k)[0]) for k in ("w", "v", "s", "p") if k in a
        }
        c = lambda k: ctypes.addressof(cols[k]) if k in cols else None  # noqa: E731
        if f == "sw_grouped_sums":
            return sw_grouped_sums(
                c("w"), c("v"), c("s"), num("ns"), c("p"), num("np"), num("flags"), p("out"),
                n("out"),
            )  # fmt: skip
        return sw_ragged_sums(
            c("w"), c("v"), c("s"), num("ns"), p("off"), n("off"), num("flags"), p("out"),
            n("out"),
        )  # fmt: skip
    if f == "calculate_sector_weights":
        return _lib.calculate_sector_weights(p("w"), num("pf"), p("s"), num("nb"), p("out"), num("ns"))
    if f == "sw_sector_weights":
        return _lib.sw_sector_weights(
            p("w"), n("w"), p("s"), n("s"), num("np"), num("ns"), p("out"), n("out")
        )
    if f == "sw_sector_weights_ragged":
        return _lib.sw_sector_weights_ragged(
            p("w"), n("w"), p("s"), n("s"), p("off"), n("off"), num("ns"), num("flags"),
            p("out"), n("out"),
        )  # fmt: skip
    if f == "sw_sector_exposures":
        return _lib.sw_sector_exposures(
            p("w"), n("w"), p("v"), n("v"), p("s"), n("s"), p("off"), n("off"), num("ns"),
            num("flags"), p("out"), n("out"),
        )  # fmt: skip
    assert f == "sw_set_num_threads", f"unknown function {f}"
    return _lib.sw_set_num_threads(num("n"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_raw_ctypes(case: Case) -> None:
    mem = Mem(case)
    before = mem.snapshot()
    status = call(case, mem)
    msg = last_error()
    want_msg = case.message
    for name, addr in mem.ptr.items():
        want_msg = want_msg.replace("{" + name + "}", hex(addr))
    assert (_errors.status_name(status), msg) == (case.status, want_msg)
    after = mem.snapshot()
    if status != 0:
        assert after == before, "memory changed although the call failed"
        return
    lo = mem.ptr.get("out", 0)
    hi = lo + 8 * mem.len.get("out", 0)
    for (base, size), x, y in zip(mem.arenas, after, before):
        changed = [base + i for i in range(size) if x[i] != y[i]]
        assert all(lo <= c < hi for c in changed), "SW_OK but memory outside the output changed"
    if "expect" in case.args:
        k = mem.len.get("out", 0)
        out = struct.unpack(f"={k}d", ctypes.string_at(lo, 8 * k)) if k else ()
        assert same_values(out, parse_expect(case.args["expect"])), f"output {out}"


# ------------------------------------------------------------------------------------------------
# The public API

API_CASES = [c for c in CASES if "api" in c.tags]


def arr(case: Case, name: str) -> np.ndarray:
    spec = case.args.get(name, "null")
    dtype = {"d": np.float64, "i": np.int32, "q": np.int64}[FMT[name]]
    return np.array([] if spec == "null" else items(name, spec), dtype=dtype)


def api_call(case: Case, out: np.ndarray):
    a = case.args
    num = lambda k: parse_u64(a.get(k, "0"))  # noqa: E731
    w, s = arr(case, "w"), arr(case, "s")
    if case.func in ("calculate_sector_weights", "sw_sector_weights"):
        p = num("pf") if case.func == "calculate_sector_weights" else num("np")
        return sw.sector_weights(w.reshape(p, -1), s.reshape(p, -1), num("ns"), out=out)
    normalize = num("flags") == 1
    if case.func == "sw_sector_weights_ragged":
        return sw.sector_weights(
            w, s, num("ns"), offsets=arr(case, "off"), normalize=normalize, out=out
        )
    return sw.sector_exposures(
        w, arr(case, "v"), s, num("ns"), offsets=arr(case, "off"), normalize=normalize, out=out
    )


def api_shape(case: Case) -> Tuple[int, int]:
    a = case.args
    ns = parse_u64(a.get("ns", "0"))
    if case.func == "calculate_sector_weights":
        return parse_u64(a["pf"]), ns
    if case.func == "sw_sector_weights":
        return parse_u64(a["np"]), ns
    return len(items("off", a["off"])) - 1, ns


def test_api_rows_exist() -> None:
    assert len(API_CASES) >= 20, "the public API should cover most catalogue rows"


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_public_api(case: Case) -> None:
    out = np.full(api_shape(case), SENTINEL)
    if case.status == "SW_OK":
        result = api_call(case, out)
        assert result is out
        assert same_values(result.ravel(), parse_expect(case.args["expect"]))
        return
    with pytest.raises(sw.SectorWeightsError) as info:
        api_call(case, out)
    err = info.value
    assert (sw.Status(err.status).c_name, err.message) == (case.status, case.message)
    assert np.all(out == SENTINEL), "out= changed although the call failed"
