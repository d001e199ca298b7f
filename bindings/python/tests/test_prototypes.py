"""The package's copies of the C API against include/sector_weights.h, which they must mirror:
the prototypes written above each declaration in _lib.py, the declarations themselves (names and
ctypes types), the fast path's own prototype of sw_sector_weights in _fastcall.c, the status
names, SW_NORMALIZE and SW_EXACT, the column dtype constants (SW_INT8 ... SW_FLOAT64) and the SwColumn struct.
Any drift fails here (the compiler cannot see it: nothing is linked)."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
from conftest import REPO_ROOT

from sector_weights import Status, _arrays, _errors, _lib

HEADER = REPO_ROOT / "include" / "sector_weights.h"
FASTCALL_C = REPO_ROOT / "bindings" / "python" / "sector_weights" / "_fastcall.c"
LIB_PY = Path(_lib.__file__)

pytestmark = pytest.mark.skipif(not HEADER.is_file(), reason="no source checkout")

Params = Tuple[Tuple[str, str], ...]  # ((C type, parameter name), ...)
Prototype = Tuple[str, Params]  # (return type, parameters)

# The ctypes type each C type of the header is declared as.
C_TYPES = {
    "const double *": _lib.const_double_p,
    "double *": _lib.double_p,
    "const int32_t *": _lib.const_int32_p,
    "const int64_t *": _lib.const_int64_p,
    "uint8_t *": _lib.uint8_p,
    "const SwColumn *": _lib.const_SwColumn_p,
    "const SwStrings *": _lib.const_SwStrings_p,
    "int32_t *": _lib.int32_p,
    "int64_t *": _lib.int64_p,
    "size_t *": _lib.size_t_p,
    "const uint8_t *": _lib.const_uint8_p,
    "const SwPartial *": _lib.const_SwPartial_p,
    "SwPartial *": _lib.SwPartial_p,
    "SwPartial * *": _lib.SwPartial_pp,  # SwPartial **, as c_type() spells it
    "void": None,  # sw_partial_free returns nothing
    "char *": ctypes.c_char_p,
    "const char *": ctypes.c_char_p,
    "size_t": ctypes.c_size_t,
    "uintmax_t": ctypes.c_uint64,
    "uint32_t": ctypes.c_uint32,
    "int32_t": ctypes.c_int32,
    "SwStatus": ctypes.c_int32,
    "const void *": ctypes.c_void_p,  # a struct field (SwColumn.data)
}

FUNCTION = re.compile(r"^(?P<ret>[A-Za-z_][\w ]*?[\w*])\s*\b(?P<name>\w+)\((?P<params>[^)]*)\);", re.M)
FUNCTION_POINTER = re.compile(
    r"typedef\s+(?P<ret>[\w ]+?)\s*\(\*\s*(?P<name>\w+)\)\((?P<params>[^)]*)\);"
)


def c_type(text: str) -> str:
    """``const double*`` / ``const  double *`` -> ``const double *``."""
    return re.sub(r"\s*\*", " *", " ".join(text.split())).strip()


def parameters(text: str) -> Params:
    if text.strip() in ("", "void"):
        return ()
    found = []
    for param in text.split(","):
        m = re.fullmatch(r"(.*?)\s*\b(\w+)", " ".join(param.split()))
        assert m, f"a parameter without a name: {param!r}"
        found.append((c_type(m.group(1)), m.group(2)))
    return tuple(found)


def prototypes(c_text: str, pattern: re.Pattern = FUNCTION) -> Dict[str, Prototype]:
    """name: (return type, parameters) of every prototype in C text (comments removed)."""
    text = re.sub(r"/\*.*?\*/", "", re.sub(r"//[^\n]*", "", c_text), flags=re.S)
    return {
        m.group("name"): (c_type(m.group("ret")), parameters(m.group("params")))
        for m in pattern.finditer(text)
    }


def lib_py_prototypes(py_text: str) -> Dict[str, Prototype]:
    """The prototypes written in _lib.py's comments (``# SwStatus sw_...(...);``)."""
    comments = [line.strip()[2:] for line in py_text.splitlines() if line.strip().startswith("# ")]
    return prototypes("\n".join(comments))


def declaration_drift(header: Dict[str, Prototype], declared: Dict) -> List[str]:
    """How _lib's declarations differ from the header's prototypes ([] when they agree)."""
    drift = [f"{n}: in the header, not declared" for n in header if n not in declared]
    drift += [f"{n}: declared, not in the header" for n in declared if n not in header]
    for name, (ret, params) in header.items():
        if name not in declared:
            continue
        restype, declared_params = declared[name]
        if restype is not C_TYPES[ret]:
            drift.append(f"{name}: returns {ret}, declared {restype}")
        want = [(pname, C_TYPES[ctype]) for ctype, pname in params]
        if list(declared_params.items()) != want:
            drift.append(f"{name}: parameters {params}, declared {declared_params}")
    return drift


def header_prototypes() -> Dict[str, Prototype]:
    found = prototypes(HEADER.read_text())
    assert "calculate_sector_weights" in found and "sw_version" in found, "header not parsed"
    return found


def test_the_prototypes_above_the_declarations_are_the_headers():
    assert list(lib_py_prototypes(LIB_PY.read_text()).items()) == list(
        header_prototypes().items()
    )


def test_every_header_function_is_declared_with_its_parameters_names_and_types():
    assert declaration_drift(header_prototypes(), _lib.DECLARED) == []
    for name, (restype, params) in _lib.DECLARED.items():
        function = getattr(_lib.handle, name)
        assert function.restype is restype and function.argtypes == list(params.values()), name
        assert getattr(_lib, name) is function, f"_lib.{name} is not the declared function"


def test_pointers_to_arrays_are_passed_as_addresses():
    for ctype, declared in C_TYPES.items():
        if ctype.endswith("*") and "char" not in ctype:
            assert issubclass(declared, ctypes.c_void_p), ctype
    assert _lib.sw_get_num_threads() >= 1  # the declared functions really are callable


def test_drift_is_found():
    """The comparison fails for a changed type, a renamed parameter, a missing function."""
    header = header_prototypes()
    ret, params = header["sw_sector_weights"]
    changed = dict(header, sw_sector_weights=(ret, (("const int64_t *", "weights"),) + params[1:]))
    renamed = dict(header, sw_sector_weights=(ret, (("const double *", "w"),) + params[1:]))
    added = dict(header, sw_new=("SwStatus", (("size_t", "n"),)))
    for doctored in (changed, renamed, added):
        assert declaration_drift(doctored, _lib.DECLARED) != []
    assert lib_py_prototypes("# size_t sw_get_num_threads(void);") == {
        "sw_get_num_threads": ("size_t", ())
    }


@pytest.mark.skipif(not FASTCALL_C.is_file(), reason="no source checkout")
def test_the_fast_paths_prototype_is_the_headers():
    copies = prototypes(FASTCALL_C.read_text(), FUNCTION_POINTER)
    assert list(copies) == ["sw_sector_weights_fn"], "the fast path calls sw_sector_weights only"
    ret, params = copies["sw_sector_weights_fn"]
    header_ret, header_params = header_prototypes()["sw_sector_weights"]
    assert (ret, params) == ("int32_t", header_params) and header_ret == "SwStatus"
    text = HEADER.read_text()
    assert "typedef int32_t SwStatus;" in text and ": int32_t" in text, "SwStatus is an int32_t"


def test_status_names_come_from_the_library_as_in_the_header():
    body = re.search(r"enum SwStatus\b[^{]*\{(.*?)\};", HEADER.read_text(), re.S).group(1)
    header = {name: int(value) for name, value in re.findall(r"\bSW_(\w+) = (\d+)", body)}
    assert header and {s.name: int(s) for s in Status} == header
    for status in Status:
        assert status.c_name == _errors.status_name(status) == f"SW_{status.name}"
    assert not _errors.status_name(len(header)).startswith("SW_")
    assert not _errors.status_name(-1).startswith("SW_")


def test_the_flags_are_the_headers():
    for name in ("SW_NORMALIZE", "SW_EXACT"):
        value = re.search(rf"^#define {name} (\d+)$", HEADER.read_text(), re.M)
        assert value and int(value.group(1)) == getattr(_lib, name)


def header_defines() -> Dict[str, int]:
    """name: value of every ``#define SW_NAME <number>`` in the header."""
    return {
        name: int(value)
        for name, value in re.findall(r"^#define (SW_\w+) (\d+)$", HEADER.read_text(), re.M)
    }


def test_the_column_dtype_constants_are_the_headers():
    defines = header_defines()
    layouts = {n: v for n, v in defines.items() if n.endswith("UTF8") or n.endswith("UTF8_VIEW")}
    assert layouts == {"SW_UTF8": 1, "SW_LARGE_UTF8": 2, "SW_UTF8_VIEW": 3}
    assert {n: getattr(_lib, n) for n in layouts} == layouts
    flags = ("SW_NORMALIZE", "SW_EXACT")
    dtypes = {n: v for n, v in defines.items() if n not in flags and n not in layouts}
    assert len(dtypes) == 9, defines  # SW_INT8 ... SW_FLOAT64
    assert {n: getattr(_lib, n) for n in dtypes} == dtypes
    # Each numpy type the package reads in place maps to the constant of its own name.
    mapped = {**_arrays.CODE_DTYPES, **_arrays.FLOAT_DTYPES}
    assert {f"SW_{dt.name.upper()}": code for dt, code in mapped.items()} == dtypes


def struct_fields(c_text: str, name: str) -> Params:
    """The fields of ``typedef struct { ... } name;`` in C text, as (C type, field name)."""
    m = re.search(r"typedef struct \{([^}]*)\} " + name + ";", c_text)
    assert m, f"no typedef struct {name} found"
    return parameters(",".join(f.strip() for f in m.group(1).split(";") if f.strip()))


def test_swcolumn_is_the_headers():
    header = struct_fields(HEADER.read_text(), "SwColumn")
    assert header == (("const void *", "data"), ("size_t", "len"), ("int32_t", "dtype"))
    assert _lib.SwColumn._fields_ == [(name, C_TYPES[ctype]) for ctype, name in header]
    # The copy written above the ctypes class in _lib.py.
    comments = "\n".join(
        line.strip()[2:] for line in LIB_PY.read_text().splitlines() if line.strip().startswith("# ")
    )
    assert struct_fields(comments, "SwColumn") == header


def test_packed_columns_are_swcolumns(rng):
    """_arrays.columns packs the structures with the struct module: ctypes reads them back."""
    w = rng.random(5).astype(np.float32)
    s = np.arange(5, dtype=np.int16)
    p = np.zeros(5, dtype=np.uint32)
    assert ctypes.sizeof(_arrays._COLUMNS) == 4 * ctypes.sizeof(_lib.SwColumn)
    keep, cw, cv, cs, cp = _arrays.columns(w, None, s, p)
    assert cv is None and cs - cw == 2 * ctypes.sizeof(_lib.SwColumn)
    for addr, a, dtype in ((cw, w, _lib.SW_FLOAT32), (cs, s, _lib.SW_INT16), (cp, p, _lib.SW_UINT32)):
        col = _lib.SwColumn.from_address(addr)
        assert (col.data, col.len, col.dtype) == (a.ctypes.data, a.size, dtype)
    assert keep is not None


def test_swstrings_is_the_headers():
    header = struct_fields(HEADER.read_text(), "SwStrings")
    assert [name for _, name in header] == [name for name, _ in _lib.SwStrings._fields_]
    ctypes_of = {
        "int32_t": ctypes.c_int32,
        "size_t": ctypes.c_size_t,
        "const void *": ctypes.c_void_p,
        "const uint8_t *const *": ctypes.POINTER(ctypes.c_void_p),
        "const size_t *": ctypes.POINTER(ctypes.c_size_t),
        "const uint8_t *": ctypes.c_void_p,
    }
    assert _lib.SwStrings._fields_ == [(name, ctypes_of[ctype]) for ctype, name in header]
    comments = "\n".join(
        line.strip()[2:] for line in LIB_PY.read_text().splitlines() if line.strip().startswith("# ")
    )
    assert struct_fields(comments, "SwStrings") == header
