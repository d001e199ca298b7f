"""Installation, loading order, version check, and the declared C signatures."""

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
from sector_weights import _core, _loader

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
    assert sw.__version__ == _core._lib.sw_version().decode()
    if (REPO_ROOT / "Cargo.toml").is_file():
        assert sw.__version__ == crate_version()


def test_version_mismatch_is_refused():
    with pytest.raises(ImportError, match=r"is version " + re.escape(sw.__version__)) as info:
        _loader.load("9.9.9")
    assert "pip install ./bindings/python" in str(info.value)


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


# --- every C function declared once, exactly as the header says --------------------------------

C_TYPES = {
    "const double *": ctypes.c_void_p,
    "double *": ctypes.c_void_p,
    "uint8_t *": ctypes.c_void_p,
    "const int32_t *": ctypes.c_void_p,
    "const int64_t *": ctypes.c_void_p,
    "char *": ctypes.c_char_p,
    "const char *": ctypes.c_char_p,
    "uintmax_t": ctypes.c_uint64,
    "size_t": ctypes.c_size_t,
    "uint32_t": ctypes.c_uint32,
    "int32_t": ctypes.c_int32,
    "SwStatus": ctypes.c_int32,
}


def header_functions():
    text = (REPO_ROOT / "include" / "sector_weights.h").read_text()
    text = re.sub(r"//[^\n]*", "", text)
    found = {}
    for m in re.finditer(r"^([A-Za-z_][\w ]*?\*?)\s*\b(\w+)\(([^)]*)\);", text, re.M | re.S):
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3).strip()
        args = []
        if params != "void":
            for p in params.split(","):
                p = " ".join(p.split())
                ctype = re.sub(r"\s*\b\w+$", "", p)  # drop the parameter name
                ctype = ctype.replace(" *", " *").strip()
                if ctype.endswith("*") and not ctype.endswith(" *"):
                    ctype = ctype[:-1].strip() + " *"
                args.append(ctype)
        found[name] = (ret, args)
    return found


@pytest.mark.skipif(
    not (REPO_ROOT / "include" / "sector_weights.h").is_file(), reason="no source checkout"
)
def test_every_header_function_is_declared_with_matching_types():
    funcs = header_functions()
    assert "calculate_sector_weights" in funcs and "sw_version" in funcs
    assert set(funcs) == set(_loader.SIGNATURES), "header and loader list different functions"
    for name, (ret, args) in funcs.items():
        restype, argtypes = _loader.SIGNATURES[name]
        ret = ret.replace("const char*", "const char *")
        assert restype is C_TYPES[ret], (name, ret)
        assert [C_TYPES[a] for a in args] == argtypes, (name, args)
        fn = getattr(_core._lib, name)
        assert fn.restype is restype and list(fn.argtypes) == argtypes, name


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
