#!/usr/bin/env python3
"""Which BLAS a Python peer really runs on, and with how many threads.

    /usr/bin/python3 benchmarks/compare/peer_blas.py MODULE...   (e.g. numpy torch)

Imports the modules (as the peer's script does), then reads /proc/self/maps for the BLAS and
LAPACK libraries the process mapped. Debian's numpy, scipy and torch link `libblas.so.3`, which the
alternatives system points at the slow reference BLAS unless `libopenblas0-pthread` is installed;
the mapped path says which one was loaded (the symlink is resolved by the loader). Prints one JSON
object: {"kind": "openblas" | "reference" | "other" | "none", "libraries": [...],
"config": "...", "threads": N, "torch_threads": N}. With PEER_THREADS set, torch gets
torch.set_num_threads(PEER_THREADS) first, as the peer scripts do. Exit status 0 always; the caller
decides.
"""
import ctypes
import importlib
import json
import os
import sys


def mapped_libraries():
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and ("blas" in parts[5] or "lapack" in parts[5]):
                libs.add(parts[5])
    return sorted(libs)


def blas_info(modules):
    """The dict described in the module comment, for this process after importing `modules`."""
    loaded = {}
    for name in modules:
        module = importlib.import_module(name)
        loaded[name] = module
    if "numpy" in loaded:  # make sure the BLAS is really loaded (numpy loads it lazily on some builds)
        np = loaded["numpy"]
        np.ones((2, 2), dtype=np.float32) @ np.ones((2, 2), dtype=np.float32)
    libs = mapped_libraries()
    info = {"libraries": libs, "kind": "none", "config": "", "threads": None}
    # The library that answers the BLAS calls is the libblas.so.3 the process linked (the
    # alternatives symlink resolved); LAPACK may come from elsewhere (Debian can mix OpenBLAS's
    # LAPACK with the reference BLAS). Without a libblas.so.3 (e.g. a bundled OpenBLAS), any
    # mapped OpenBLAS counts.
    blas = [p for p in libs if os.path.basename(p).startswith("libblas.so")]
    if blas:
        info["kind"] = "openblas" if all("openblas" in p for p in blas) else (
            "reference" if any("/blas/libblas.so" in p for p in blas) else "other")
    elif any("openblas" in os.path.basename(p) for p in libs):
        info["kind"] = "openblas"
    elif libs:
        info["kind"] = "other"
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            get_threads = lib.openblas_get_num_threads
            get_config = lib.openblas_get_config
        except (OSError, AttributeError):
            continue
        get_config.restype = ctypes.c_char_p
        info["threads"] = int(get_threads())
        info["config"] = get_config().decode()
        break
    if "torch" in loaded:
        # The peer scripts call torch.set_num_threads(THREADS); so does the probe (PEER_THREADS),
        # and reports what torch then uses.
        if os.environ.get("PEER_THREADS"):
            loaded["torch"].set_num_threads(int(os.environ["PEER_THREADS"]))
        info["torch_threads"] = int(loaded["torch"].get_num_threads())
    return info


def require_openblas(label, modules):
    """For Python side-by-side scripts: exits 3 with a clear message unless `modules` run on
    OpenBLAS; returns a short note ("OpenBLAS 0.3.21 ..., 2 threads") to print beside figures."""
    info = blas_info(modules)
    if info["kind"] != "openblas":
        sys.stderr.write(f"refusing to report a ratio: {label} runs on the {info['kind']} BLAS "
                         f"({', '.join(info['libraries']) or 'none mapped'}), not OpenBLAS (install "
                         "libopenblas0-pthread)\n")
        sys.exit(3)
    return f"{info['config'] or info['libraries'][0]}, {info['threads']} BLAS threads"


if __name__ == "__main__":
    print(json.dumps(blas_info(sys.argv[1:])))
