"""The thread budget: the pool's default size follows the environment the way Dask and Spark
workers expect (each rule in a fresh process: the pool is process-global and reads the
environment once), and threadpoolctl sees and limits the library (docs/guarantees.md#threads-how-many)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from typing import Dict, List

import numpy as np
import pytest

import sector_weights as sw
from sector_weights import _threadpoolctl

VARS = ("SECTOR_WEIGHTS_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_NUM_THREADS")


def run_python(code: str, **env: str) -> List[str]:
    """Runs ``code`` in a fresh interpreter (see :func:`run`); its stdout, split at spaces."""
    return run(["-c", textwrap.dedent(code)], **env).split()


def run(args: List[str], **env: str) -> str:
    """Runs this Python with ``args`` in an environment that is this one's without the three
    thread-count variables, plus ``env``; its stdout."""
    full = {k: v for k, v in os.environ.items() if k not in VARS}
    full.update(env)
    done = subprocess.run(
        [sys.executable, *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.abspath(__file__)),  # not the source tree's sector_weights
    )
    assert done.returncode == 0, f"{args}\nwith {env}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def default_threads(**env: str) -> int:
    return int(run_python("import sector_weights as sw; print(sw.get_num_threads())", **env)[0])


def cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@pytest.fixture(scope="module")
def all_cpus() -> int:
    """The size with no variable set: every CPU the process may use (a cgroup CPU quota, which
    the library counts and Python does not, can make it fewer than ``cpus()``)."""
    n = default_threads()
    assert 1 <= n <= cpus()
    return n


# ---------------------------------------------------------------------------------------------
# The precedence, one fresh process per case


@pytest.mark.parametrize(
    "env, want",
    [
        ({}, "cpus"),
        ({"OMP_NUM_THREADS": "1"}, 1),  # what Dask's nanny sets in its worker processes
        ({"OMP_NUM_THREADS": "3,2"}, 3),  # an OpenMP nesting list: its first entry
        ({"OMP_NUM_THREADS": "3", "RAYON_NUM_THREADS": "2"}, 2),
        ({"OMP_NUM_THREADS": "3", "RAYON_NUM_THREADS": "2", "SECTOR_WEIGHTS_NUM_THREADS": "4"}, 4),
        # Invalid values are skipped for the next rule, never an error.
        ({"SECTOR_WEIGHTS_NUM_THREADS": "lots", "RAYON_NUM_THREADS": "0", "OMP_NUM_THREADS": "3"}, 3),
        ({"SECTOR_WEIGHTS_NUM_THREADS": "-2", "RAYON_NUM_THREADS": "4097", "OMP_NUM_THREADS": ""}, "cpus"),
    ],
)  # fmt: skip
def test_default_pool_size_follows_the_environment(env: Dict[str, str], want, all_cpus) -> None:
    assert default_threads(**env) == (all_cpus if want == "cpus" else want)


def test_set_num_threads_wins_and_0_reads_the_environment_again() -> None:
    out = run_python(
        """
        import os, sector_weights as sw
        print(sw.get_num_threads())
        os.environ["OMP_NUM_THREADS"] = "2"   # the pool is running: not read now
        print(sw.get_num_threads())
        sw.set_num_threads(3)                 # an explicit count wins over every variable
        print(sw.get_num_threads())
        sw.set_num_threads(0)                 # back to the default, read again
        print(sw.get_num_threads())
        """,
        OMP_NUM_THREADS="1",
    )
    assert out == ["1", "1", "3", "2"]


# ---------------------------------------------------------------------------------------------
# threadpoolctl

SKIP_WITHOUT_THREADPOOLCTL = "threadpoolctl is not installed (`make python-env` installs it)"


@pytest.fixture
def threadpoolctl():
    tpc = pytest.importorskip("threadpoolctl", reason=SKIP_WITHOUT_THREADPOOLCTL)
    if _threadpoolctl._version_tuple(tpc.__version__) < _threadpoolctl.MIN_VERSION:
        pytest.skip(f"threadpoolctl {tpc.__version__} is older than 3.3: nothing is registered")
    assert _threadpoolctl.registered()
    return tpc


def ours(info: List[dict]) -> List[dict]:
    """The entries of the package's library (other tests may have loaded other copies of the
    library from other files: each has its own entry)."""
    path = os.path.realpath(sw.library_path)
    return [l for l in info if l["user_api"] == _threadpoolctl.USER_API and l["filepath"] == path]


def ours_controllers(threadpoolctl) -> list:
    path = os.path.realpath(sw.library_path)
    controllers = threadpoolctl.ThreadpoolController().lib_controllers
    return [c for c in controllers if c.user_api == _threadpoolctl.USER_API and c.filepath == path]


def test_threadpool_info_lists_the_library(threadpoolctl, restore_threads) -> None:
    sw.set_num_threads(3)
    [lib] = ours(threadpoolctl.threadpool_info())
    assert lib["internal_api"] == "rayon"
    assert lib["version"] == sw.__version__
    assert lib["num_threads"] == 3
    assert os.path.basename(lib["filepath"]).lower().startswith(lib["prefix"])


def test_threadpool_limits_limits_and_restores(threadpoolctl, rng, restore_threads) -> None:
    w = rng.standard_normal(300_000) * 10.0 ** rng.integers(-6, 7, 300_000)  # order-sensitive
    c = rng.integers(0, 18, w.size, dtype=np.int32)
    sw.set_num_threads(3)
    before = sw.sector_weights(w, c, 18)
    with threadpoolctl.threadpool_limits(1):
        assert sw.get_num_threads() == 1
        assert ours(threadpoolctl.threadpool_info())[0]["num_threads"] == 1
        one = sw.sector_weights(w, c, 18)
    assert sw.get_num_threads() == 3
    assert one.tobytes() == before.tobytes(), "1 and 3 threads give different bits"

    with threadpoolctl.threadpool_limits(2, user_api="sector_weights"):
        assert sw.get_num_threads() == 2
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        assert sw.get_num_threads() == 3, "a BLAS-only limit must leave the library alone"
    with pytest.raises(KeyError):
        with threadpoolctl.threadpool_limits(1):
            raise KeyError("an error inside the block")
    assert sw.get_num_threads() == 3, "not restored after an exception"

    @threadpoolctl.threadpool_limits.wrap(limits=1)
    def limited() -> int:
        return sw.get_num_threads()

    assert limited() == 1 and sw.get_num_threads() == 3


def test_a_second_copy_of_the_library_is_listed_and_limited_too(threadpoolctl, tmp_path) -> None:
    copy = tmp_path / "libsector_weights_copy.so"
    shutil.copyfile(sw.library_path, copy)
    copy = copy.resolve()  # threadpoolctl lists real paths
    out = run_python(
        f"""
        import ctypes, threadpoolctl, sector_weights as sw
        other = ctypes.CDLL({str(copy)!r})
        other.sw_get_num_threads.restype = ctypes.c_size_t
        libs = [l for l in threadpoolctl.threadpool_info() if l["user_api"] == "sector_weights"]
        print(sorted(l["filepath"] == {str(copy)!r} for l in libs))
        with threadpoolctl.threadpool_limits(1):
            print(sw.get_num_threads(), other.sw_get_num_threads())
        print(sw.get_num_threads(), other.sw_get_num_threads())
        """,
        SECTOR_WEIGHTS_NUM_THREADS="3",
    )
    assert out == ["[False,", "True]", "1", "1", "3", "3"]


def test_threadpoolctl_command_line_lists_the_library(threadpoolctl) -> None:
    """`python -m threadpoolctl -i sector_weights`: threadpoolctl's own way to list what a
    package loads (it runs as __main__, a second copy of the module)."""
    out = run(["-m", "threadpoolctl", "-i", "sector_weights"], SECTOR_WEIGHTS_NUM_THREADS="2")
    [lib] = ours(json.loads(out))
    assert lib["num_threads"] == 2 and lib["internal_api"] == "rayon"


def test_limits_above_the_maximum_are_lowered_to_it(threadpoolctl, monkeypatch) -> None:
    """Checked on the argument passed to the library: starting 4096 threads takes seconds."""
    [controller] = ours_controllers(threadpoolctl)
    passed: List[int] = []
    real = _threadpoolctl._function

    def recording(dynlib, name):
        if name == "sw_set_num_threads":
            return lambda n: passed.append(n) or 0
        return real(dynlib, name)

    monkeypatch.setattr(_threadpoolctl, "_function", recording)
    controller.set_num_threads(10_000)
    controller.set_num_threads(4096)
    controller.set_num_threads(0)
    assert passed == [4096, 4096, 0]
    with pytest.raises(ValueError, match="must be >= 0"):
        controller.set_num_threads(-1)


def test_a_failed_set_raises_the_librarys_error(threadpoolctl, restore_threads) -> None:
    [controller] = ours_controllers(threadpoolctl)
    dynlib_set = _threadpoolctl._function(controller.dynlib, "sw_set_num_threads")
    assert dynlib_set(4097) != 0  # the library refuses it; the controller never passes it
    with pytest.raises(sw.SectorWeightsError, match="more than the limit of 4096"):
        _threadpoolctl._raise_for(controller.dynlib, dynlib_set(4097))


def test_the_package_imports_without_threadpoolctl() -> None:
    out = run_python(
        """
        import sys
        sys.modules["threadpoolctl"] = None   # `import threadpoolctl` raises ImportError
        import numpy as np, sector_weights as sw
        print(sw._threadpoolctl.registered())
        print(sw.sector_weights(np.ones(4), np.array([0, 1, 1, 1], np.int32), 2).tolist())
        """
    )
    assert out == ["False", "[1.0,", "3.0]"]


def test_an_older_threadpoolctl_is_left_alone() -> None:
    out = run_python(
        """
        import sys, types
        old = types.ModuleType("threadpoolctl")
        old.__version__ = "3.2.0"
        def register(controller):
            raise AssertionError("registered with threadpoolctl 3.2")
        old.register = register
        sys.modules["threadpoolctl"] = old
        import sector_weights as sw
        print(sw._threadpoolctl.registered())
        """
    )
    assert out == ["False"]
