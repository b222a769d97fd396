"""Puts a PyTorch / numpy reference at its best on whatever machine runs it, and says what that machine is.

Every reference script calls `prepare()` first, before it imports numpy or torch:

* OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE pin OpenBLAS to an older kernel (some machines here set them because
  old OpenBLAS builds misbehave on new cores). For the reference's own process only, `prepare()` re-executes
  the script without them, so OpenBLAS picks the kernel the CPU supports; tests and CI never change them.
* OMP_WAIT_POLICY=PASSIVE (OpenMP threads sleep instead of spinning) unless the caller set it.

After torch or numpy is imported, `describe(require_openblas=True)` prints the BLAS library mapped into the
process, the OpenBLAS kernel it chose (openblas_get_corename), the CPU's SIMD width, and the fp32 peak this
machine is assumed to have; and it stops with an explanation when torch runs on the reference BLAS (a fresh
Debian machine has only that, which makes torch about 4x slower: apt-get install libopenblas0-pthread).

With --json the scripts end with one line holding a JSON object (`result()`, printed by `print_json()`): the
machine facts (`facts()`) and, per thread count, the best training and inference rates and the variant that gave
each; `mlmix bench flow --pytorch` and `mlmix bench moe --pytorch` read it. Errors that the caller should pass on
are one line on stderr starting with "error:" and a non-zero exit code.
"""
import ctypes
import importlib
import json
import os
import sys

PINNING_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_REEXEC_MARK = "MLMIX_REFERENCE_UNPINNED"


def prepare():
    """Re-executes this process without the OpenBLAS pinning variables (once), and sets OMP_WAIT_POLICY."""
    pinned = {name: os.environ[name] for name in PINNING_VARIABLES if name in os.environ}
    if pinned and not os.environ.get(_REEXEC_MARK):
        env = {k: v for k, v in os.environ.items() if k not in PINNING_VARIABLES}
        env[_REEXEC_MARK] = ", ".join(f"{k}={v}" for k, v in pinned.items())
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def import_module(name):
    """Imports numpy or torch, or exits with one "error:" line saying which interpreter lacks it."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        sys.exit(f"error: {sys.executable} cannot import {name} ({e}). Install PyTorch for this interpreter "
                 f"(Debian: apt-get install python3-torch libopenblas0-pthread) or run the script with one that has it.")


def load_average():
    """The 1, 5 and 15 minute load averages, or an empty list where /proc/loadavg is missing."""
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return [float(v) for v in f.read().split()[:3]]
    except (OSError, ValueError):
        return []


def _mapped_libraries(word):
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if word in line.lower() and "/" in line}
    except OSError:
        return []
    return sorted({os.path.realpath(p) for p in paths})


def blas_libraries():
    """The BLAS shared objects mapped into this process (Debian chooses one through update-alternatives)."""
    return [p for p in _mapped_libraries("blas") if p.endswith(".so") or ".so." in p]


def openblas_kernel():
    """(corename, config) of the OpenBLAS mapped into this process, or None when none is."""
    for path in blas_libraries():
        if "openblas" not in path:
            continue
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()
        except (OSError, AttributeError):
            continue
    return None


def set_openblas_threads(threads):
    """Sets the thread count of the OpenBLAS mapped into this process (its own pool ignores torch.set_num_threads);
    returns False when no OpenBLAS is mapped."""
    for path in blas_libraries():
        if "openblas" not in path:
            continue
        try:
            ctypes.CDLL(path).openblas_set_num_threads(int(threads))
            return True
        except (OSError, AttributeError):
            continue
    return False


def cpu_facts():
    """(model name, SIMD width in bits, fp32 FLOP per cycle per core, GHz) read from /proc/cpuinfo."""
    model, flags, mhz, vendor, family = "unknown", set(), 0.0, "", ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model == "unknown":
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
                elif key == "cpu MHz" and mhz == 0.0:
                    mhz = float(value)
                elif key == "vendor_id" and not vendor:
                    vendor = value.strip()
                elif key == "cpu family" and not family:
                    family = value.strip()
    except OSError:
        pass
    if "avx512f" in flags:
        width = 512
    elif "avx2" in flags:
        width = 256
    else:
        width = 128
    # AMD family 19h with AVX-512 (Zen 4) has two 256-bit FMA pipes and runs a 512-bit operation in two halves (as
    # MachineDescription.FlopsPerCycle in src/Cli assumes).
    zen4 = width == 512 and vendor == "AuthenticAMD" and family == "25"
    lanes = (256 if zen4 else width) // 32
    fma_units = 2  # two FMA pipes per core on every x86 core this project runs on (Zen 3, Zen 4/5, Intel big cores)
    flop_per_cycle = lanes * 2 * fma_units if "fma" in flags or width == 512 else lanes * 2
    return model, width, flop_per_cycle, mhz / 1000.0


def describe(require_openblas=True, threads=None):
    """Prints the reference's machine facts; exits when torch/numpy use the reference BLAS and OpenBLAS is required."""
    model, width, flop_per_cycle, ghz = cpu_facts()
    cores = threads or os.cpu_count() or 1
    peak_core = flop_per_cycle * ghz
    unpinned = os.environ.get(_REEXEC_MARK)
    print(f"# CPU: {model}; SIMD {width}-bit; assumed fp32 peak {flop_per_cycle} FLOP/cycle x {ghz:.2f} GHz = "
          f"{peak_core:.0f} GFLOP/s per core, {peak_core * cores:.0f} for {cores} core(s)")
    libs = blas_libraries()
    kernel = openblas_kernel()
    print(f"# BLAS in use: {', '.join(libs) or 'none mapped'}")
    if kernel:
        print(f"# OpenBLAS kernel: {kernel[0]} ({kernel[1].strip()})"
              + (f"; unset for this command: {unpinned}" if unpinned else ""))
    elif require_openblas:
        sys.exit("error: this reference runs on the reference BLAS, not OpenBLAS, which makes torch about 4x slower "
                 "and the comparison meaningless. Install it (Debian: apt-get install libopenblas0-pthread) and rerun.")
    return peak_core


def facts(torch):
    """The machine and library facts of a --json result: torch version, BLAS, OpenBLAS kernel, CPU, SIMD, peak."""
    model, width, flop_per_cycle, ghz = cpu_facts()
    kernel = openblas_kernel()
    return {
        "torch": torch.__version__,
        "blas": blas_libraries(),
        "openblasKernel": kernel[0] if kernel else None,
        "openblasConfig": kernel[1].strip() if kernel else None,
        "unpinned": os.environ.get(_REEXEC_MARK),
        "cpu": model,
        "simdBits": width,
        "assumedPeakGflopsPerCore": round(flop_per_cycle * ghz, 1),
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY"),
    }


def result(script, model, machine, load, per_threads):
    """A --json result: `machine` (from facts()), the load average before measuring, and `per_threads`, one
    {"threads", "training": {"samplesPerSecond", "variant"}, "inference": {"rowsPerSecond", "variant"}} per thread
    count, with the overall best of each added as "best"."""
    def best(what, rate):
        top = max(per_threads, key=lambda t: t[what][rate])
        return dict(top[what], threads=top["threads"])

    return dict(
        machine, script=script, model=model, loadAverage=load, perThreads=per_threads,
        best={"training": best("training", "samplesPerSecond"), "inference": best("inference", "rowsPerSecond")})


def print_json(obj):
    """Prints `obj` as the last line of stdout."""
    print(json.dumps(obj, separators=(",", ":")), flush=True)
