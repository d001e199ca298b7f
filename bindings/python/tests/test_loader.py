"""Installation, loading order and version check (the declarations: test_prototypes.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

import sector_weights as sw
from sector_weights import _lib, _loader

PKG_DIR = Path(sw.__file__).resolve().parent


def run_python(code, cwd, **env):
    full_env = {k: v for k, v in os.environ.items() if k != _loader.ENV_VAR}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=full_env, capture_output=True, text=True,
        timeout=120,
    )


def test_installed_package_bundles_its_library():
    assert _loader.ENV_VAR not in os.environ, "unset SECTOR_WEIGHTS_LIBRARY to run this test"
    lib = Path(sw.library_path)
    assert lib.parent == PKG_DIR, f"not the bundled library: {lib}"
    assert lib.name.startswith("_native")
    assert (PKG_DIR / "py.typed").is_file()
    assert (PKG_DIR / "_version.py").is_file()
    # Tests must exercise the installed package, not the source directory.
    assert PKG_DIR != REPO_ROOT / "bindings" / "python" / "sector_weights"


def test_import_works_from_any_directory(tmp_path):
    r = run_python(
        "import sector_weights as sw; print(sw.__version__, sw.sector_weights([1.0], [0], 1))",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == sw.__version__


def crate_version():
    text = (REPO_ROOT / "Cargo.toml").read_text()
    package = re.search(r"^\[package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    return re.search(r'^version\s*=\s*"([^"]+)"', package.group(1), re.M).group(1)


def test_versions_agree():
    assert sw.__version__ == _lib.sw_version().decode() == _lib.version
    if (REPO_ROOT / "Cargo.toml").is_file():
        assert sw.__version__ == crate_version()


def test_version_mismatch_is_refused():
    with pytest.raises(ImportError, match=r"is version " + re.escape(sw.__version__)) as info:
        _loader.check_version(_lib.version, _lib.path, _lib.origin, expected="9.9.9")
    assert "pip install ./bindings/python" in str(info.value)


def test_the_import_checks_the_version(tmp_path):
    """Importing is refused when the library's sw_version() is not the package's version (here
    a stand-in _version.py says 9.9.9)."""
    r = run_python(
        "import sys, types; version = types.ModuleType('sector_weights._version'); "
        "version.__version__ = '9.9.9'; sys.modules['sector_weights._version'] = version; "
        "import sector_weights",
        cwd=tmp_path,
    )
    assert r.returncode != 0
    assert "ImportError: sector_weights 9.9.9: the library" in r.stderr
    assert f"is version {sw.__version__}" in r.stderr


def test_environment_variable_comes_first(tmp_path):
    copy = tmp_path / "libsector_weights_copy.so"
    shutil.copyfile(sw.library_path, copy)
    r = run_python(
        "import sector_weights as sw; print(sw.library_path)", cwd=tmp_path,
        **{_loader.ENV_VAR: str(copy)},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(copy)


def test_environment_variable_naming_a_missing_file_is_an_error(tmp_path):
    missing = tmp_path / "nope.so"
    r = run_python("import sector_weights", cwd=tmp_path, **{_loader.ENV_VAR: str(missing)})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and str(missing) in r.stderr
    assert "$SECTOR_WEIGHTS_LIBRARY" in r.stderr


def test_environment_variable_naming_another_library_is_an_error(tmp_path):
    libm = ctypes.util.find_library("m")
    if libm is None:
        pytest.skip("no libm to stand in for a foreign library")
    r = run_python("import sector_weights", cwd=tmp_path, **{_loader.ENV_VAR: libm})
    assert r.returncode != 0
    assert "has no function calculate_sector_weights" in r.stderr


def test_source_checkout_falls_back_to_the_development_build(tmp_path):
    """PYTHONPATH=bindings/python (no pip install): version from Cargo.toml, library from
    target/release."""
    src = REPO_ROOT / "bindings" / "python"
    dev = REPO_ROOT / "target" / "release" / "libsector_weights.so"
    if not (src / "sector_weights" / "__init__.py").is_file() or not dev.is_file():
        pytest.skip("needs a source checkout with `cargo build --release` done")
    assert not list((src / "sector_weights").glob("_native*")), "stray build output in the source"
    r = run_python(
        "import sector_weights as sw; print(sw.__file__); print(sw.library_path); "
        "print(sw.__version__)",
        cwd=tmp_path, PYTHONPATH=str(src),
    )
    assert r.returncode == 0, r.stderr
    file, lib, version = r.stdout.split()
    assert Path(file).resolve().parent == (src / "sector_weights").resolve()
    assert Path(lib).resolve() == dev.resolve()
    assert version == crate_version()
