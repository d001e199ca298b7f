"""Finds, loads and declares the C library.

Loading order:

1. the file named by the environment variable ``SECTOR_WEIGHTS_LIBRARY`` (if set, it is the only
   candidate: a wrong path is an error, never silently replaced by another library);
2. the library bundled in this package by ``pip install`` (``sector_weights/_native*.so``);
3. a development build in the repository, ``target/release/libsector_weights.so``, for running
   straight from a source checkout.

After loading, the library's ``sw_version()`` must equal this package's ``__version__``.

Every function's ``argtypes`` and ``restype`` are declared here, once: undeclared arguments
would be converted by ctypes' default rules (a Python int becomes a 32-bit C ``int``, truncating
64-bit sizes). Pointers are declared ``c_void_p`` and passed as raw addresses, which is several
microseconds per call cheaper than ``numpy.ctypeslib.ndpointer``; the Python layer
(``_core.py``) has already checked dtype, layout and shape, and the library checks lengths,
alignment and overlap again.

``ctypes.CDLL`` releases the GIL for the duration of every call.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path
from typing import List, Tuple

ENV_VAR = "SECTOR_WEIGHTS_LIBRARY"

_PKG_DIR = Path(__file__).resolve().parent
# bindings/python/sector_weights -> the repository root (only meaningful in a source checkout).
_REPO_ROOT = _PKG_DIR.parent.parent.parent

if sys.platform == "win32":
    _DEV_NAME = "sector_weights.dll"
elif sys.platform == "darwin":
    _DEV_NAME = "libsector_weights.dylib"
else:
    _DEV_NAME = "libsector_weights.so"
_BUNDLED_SUFFIXES = (".so", ".dylib", ".pyd", ".dll")

V = ctypes.c_void_p
Z = ctypes.c_size_t
I32 = ctypes.c_int32
U32 = ctypes.c_uint32
UINTMAX = ctypes.c_uint64  # uintmax_t is 64 bits on every platform the library supports

# name: (restype, argtypes) for every exported function (see include/sector_weights.h).
SIGNATURES = {
    "calculate_sector_weights": (I32, [V, UINTMAX, V, UINTMAX, V, UINTMAX]),
    "sw_sector_weights": (I32, [V, Z, V, Z, Z, Z, V, Z]),
    "sw_sector_weights_ragged": (I32, [V, Z, V, Z, V, Z, Z, U32, V, Z]),
    "sw_sector_exposures": (I32, [V, Z, V, Z, V, Z, V, Z, Z, U32, V, Z]),
    "sw_compare_to_targets": (I32, [V, Z, V, Z, V, Z, Z, V, Z, V, Z]),
    "sw_evaluate_orders": (I32, [V, Z] * 6 + [Z] + [V, Z] * 7),
    "sw_set_num_threads": (I32, [Z]),
    "sw_get_num_threads": (Z, []),
    "sw_status_message": (ctypes.c_char_p, [I32]),
    "sw_last_error_message": (Z, [ctypes.c_char_p, Z]),
    "sw_version": (ctypes.c_char_p, []),
}


def source_version() -> str:
    """The crate version from the repository's Cargo.toml, for running from a source checkout
    (an installed package has ``_version.py``, written by setup.py from the same file)."""
    cargo = _REPO_ROOT / "Cargo.toml"
    try:
        text = cargo.read_text(encoding="utf-8")
    except OSError as e:
        raise ImportError(
            "sector_weights: no _version.py (the package was not built) and no Cargo.toml at "
            f"{cargo}; install it with `pip install ./bindings/python`"
        ) from e
    package = re.search(r"^\[package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    version = package and re.search(r'^version\s*=\s*"([^"]+)"', package.group(1), re.M)
    if not version:
        raise ImportError(f"sector_weights: no [package] version in {cargo}")
    return version.group(1)


def candidates() -> List[Tuple[str, Path]]:
    """(where it came from, path) of each library to try, in order."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [(f"${ENV_VAR}", Path(env))]
    found = []
    bundled = sorted(
        p for p in _PKG_DIR.glob("_native*") if p.suffix in _BUNDLED_SUFFIXES and p.is_file()
    )
    found += [("bundled", p) for p in bundled]
    dev = _REPO_ROOT / "target" / "release" / _DEV_NAME
    if dev.is_file():
        found.append(("development build", dev))
    return found


def _declare(lib: ctypes.CDLL, path: Path) -> None:
    for name, (restype, argtypes) in SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as e:
            raise ImportError(
                f"sector_weights: {path} has no function {name}: not a sector-weights library"
            ) from e
        fn.restype = restype
        fn.argtypes = argtypes


def load(expected_version: str) -> Tuple[ctypes.CDLL, Path]:
    """Loads the first candidate library, declares its functions and checks its version."""
    tried = candidates()
    if not tried:
        raise ImportError(
            "sector_weights: no library found. Looked for a bundled library in "
            f"{_PKG_DIR} and a development build at {_REPO_ROOT / 'target' / 'release' / _DEV_NAME}. "
            "Install the package with `pip install ./bindings/python` (which builds it), run "
            f"`cargo build --release`, or set {ENV_VAR} to the library file."
        )
    errors = []
    for origin, path in tried:
        try:
            lib = ctypes.CDLL(str(path))
        except OSError as e:
            errors.append(f"{origin} {path}: {e}")
            if origin == f"${ENV_VAR}":
                break  # an explicit choice is never silently replaced
            continue
        _declare(lib, path)
        version = lib.sw_version().decode("ascii", "replace")
        if version != expected_version:
            raise ImportError(
                f"sector_weights {expected_version}: the library {path} ({origin}) is version "
                f"{version}. Reinstall the package (`pip install ./bindings/python`) or point "
                f"{ENV_VAR} at a {expected_version} library."
            )
        return lib, path
    raise ImportError("sector_weights: could not load the library:\n  " + "\n  ".join(errors))
