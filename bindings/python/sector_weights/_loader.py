"""Finds and loads the C library file, and checks that its version is this package's.

Loading order:

1. the file named by the environment variable ``SECTOR_WEIGHTS_LIBRARY`` (if set, it is the only
   candidate: a wrong path is an error, never silently replaced by another library);
2. the library bundled in this package by ``pip install`` (``sector_weights/_native*.so``);
3. a development build in the repository, ``target/release/libsector_weights.so``, for running
   straight from a source checkout.

After loading, the library's ``sw_version()`` must equal this package's ``__version__``
(``_lib`` declares the functions, then calls :func:`check_version`).
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path
from typing import List, Optional, Tuple

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
_DEV_BUILD = _REPO_ROOT / "target" / "release" / _DEV_NAME


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


def package_version() -> str:
    """This package's version: ``_version.py`` of a built package, else the crate's."""
    try:
        from ._version import __version__
    except ImportError:  # a source checkout that was not built
        return source_version()
    return str(__version__)


def candidates() -> List[Tuple[str, Path]]:
    """(where it came from, path) of each library to try, in order."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [(f"${ENV_VAR}", Path(env))]
    bundled = sorted(
        p for p in _PKG_DIR.glob("_native*") if p.suffix in _BUNDLED_SUFFIXES and p.is_file()
    )
    found = [("bundled", p) for p in bundled]
    if _DEV_BUILD.is_file():
        found.append(("development build", _DEV_BUILD))
    return found


def load() -> Tuple[ctypes.CDLL, Path, str]:
    """The first candidate library that loads: (handle, path, where it came from)."""
    tried = candidates()
    if not tried:
        raise ImportError(
            "sector_weights: no library found. Looked for a bundled library in "
            f"{_PKG_DIR} and a development build at {_DEV_BUILD}. "
            "Install the package with `pip install ./bindings/python` (which builds it), run "
            f"`cargo build --release`, or set {ENV_VAR} to the library file."
        )
    errors = []
    for origin, path in tried:
        try:
            return ctypes.CDLL(str(path)), path, origin
        except OSError as e:
            errors.append(f"{origin} {path}: {e}")
            if origin == f"${ENV_VAR}":
                break  # an explicit choice is never silently replaced
    raise ImportError("sector_weights: could not load the library:\n  " + "\n  ".join(errors))


def check_version(found: str, path: Path, origin: str, expected: Optional[str] = None) -> None:
    """Refuses a library (``found``: its ``sw_version()``) of another version than this
    package's (or than ``expected``)."""
    expected = package_version() if expected is None else expected
    if found != expected:
        raise ImportError(
            f"sector_weights {expected}: the library {path} ({origin}) is version "
            f"{found}. Reinstall the package (`pip install ./bindings/python`) or point "
            f"{ENV_VAR} at a {expected} library."
        )
