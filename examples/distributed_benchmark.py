"""SymbolicFMForecaster at scale: one worker, dask and ray; streamed panels; predict's memory.

    python examples/distributed_benchmark.py --series 100000 --workers 2 --out dist.json
    python examples/distributed_benchmark.py --only stream --stream-series 1000000 --out stream.json
    python examples/distributed_benchmark.py --only memory --memory-sizes 10000,100000,1000000 --out mem.json
    python examples/distributed_benchmark.py --smoke --out smoke.json     # every part, small, in a minute or two

Parts (``--only``, comma-separated; default all):

``scale``
    A synthetic panel of ``--series`` series of ``--context`` values (random walks with a
    daily season, seeded by ``--seed``), forecast ``--horizon`` steps ahead by
    ``SymbolicFMForecaster`` in one process with one thread, then with sktime's
    ``backend:parallel`` = ``"dask"`` on a ``LocalCluster`` of ``--workers`` one-thread
    worker processes, then ``"ray"`` with ``--workers`` CPUs. For each: predict's series/s,
    the speed-up over one worker, the peak RSS of every process (driver and workers, sampled
    by psutil), and the largest difference from the one-worker forecasts (relative to the
    panel's spread).
``stream``
    ``--stream-series`` series (e.g. a million) forecast shard by shard: each shard of
    ``--shard-series`` series is generated, fitted and predicted (on ``--stream-backend``),
    and its medians are written to a float32 ``.npy`` memmap, so the driver holds one shard;
    wall time, series/s and the peak RSS of every process.
``memory``
    For each size of ``--memory-sizes``: the driver's RSS right before ``predict`` and its
    peak during it (the kernel's high-water mark, reset before predict; sampled where the
    system has none), in a fresh process each. The growth beyond the returned DataFrame is the
    working memory of predict, bounded by a shard; the DataFrame itself (and the panel given
    to fit) grows with the panel as any result does.

Every measurement runs in its own subprocess (so peak RSS belongs to it), with torch, numba
and BLAS limited to one thread per process. Results go to ``--out`` (JSON) and a markdown
table next to it (``.md``). Needs the ``distributed`` extra (``pip install -e ".[distributed]"``)
for the dask and ray parts.
"""

from __future__ import annotations

import os

# one thread per process, set before numpy / torch / numba load; workers inherit it
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

# series generated per seeded block: a series' values depend on the seed and its position only
BLOCK = 1000
MB = 2**20


def panel_values(start, stop, context, seed):
    """Values (stop - start, context) of series start..stop-1: random walks plus a daily season."""
    blocks = []
    for b in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))
        walk = np.cumsum(rng.standard_normal((BLOCK, context)), axis=1)
        phase = rng.uniform(0, 2 * np.pi, size=(BLOCK, 1))
        amplitude = rng.uniform(0, 3, size=(BLOCK, 1))
        level = rng.uniform(10, 1000, size=(BLOCK, 1))
        season = amplitude * np.sin(2 * np.pi * np.arange(context) / 24 + phase)
        blocks.append(level + walk + season)
    values = np.concatenate(blocks)
    offset = start - (start // BLOCK) * BLOCK
    return values[offset:offset + stop - start]


def panel_frame(start, stop, context, seed):
    """The series start..stop-1 as sktime's pd-multiindex panel (integer instance and time index)."""
    import pandas as pd

    values = panel_values(start, stop, context, seed)
    index = pd.MultiIndex.from_product([np.arange(start, stop), np.arange(context)], names=["series", "time"])
    return pd.DataFrame({"y": values.ravel()}, index=index)


class PeakRSS:
    """Peak RSS of this process and of each of its descendants, sampled every ``interval`` seconds."""

    def __init__(self, interval=0.2):
        import psutil

        self.interval, self.peaks, self._stop = interval, {}, threading.Event()
        self._me = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        import psutil

        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                rss = proc.memory_info().rss
                name = proc.name()
            except psutil.Error:  # gone between listing and reading
                continue
            key = f"{name}:{proc.pid}"
            self.peaks[key] = max(self.peaks.get(key, 0), rss)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()

    def report(self):
        """Driver peak, worker peaks (MB) of the processes that grew past 50 MB (interpreters, not helpers)."""
        driver = f"{self._me.name()}:{self._me.pid}"
        workers = sorted(v / MB for k, v in self.peaks.items() if k != driver and v > 50 * MB)
        return {"driver_peak_rss_mb": self.peaks.get(driver, 0) / MB, "process_peak_rss_mb": workers}


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux's ``clear_refs``); False where it cannot.

    The kernel's high-water mark misses no peak, where a sampling thread misses short ones when
    other processes hold the CPU."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return kernel_peak_rss() > 0
    except OSError:
        return False


def kernel_peak_rss() -> int:
    """This process's peak RSS since start or the last :func:`reset_peak_rss`, in bytes (``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _forecaster(batch_size, backend, params):
    from sktime_symbolic.forecasting import SymbolicFMForecaster

    forecaster = SymbolicFMForecaster(device="cpu", batch_size=batch_size)
    if backend is not None:
        forecaster.set_config(**{"backend:parallel": backend, "backend:parallel:params": params})
    return forecaster


def dask_worker_environ() -> dict:
    """dask's pre-spawn environment for its workers without ``MALLOC_TRIM_THRESHOLD_``.

    dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in every worker it spawns. Setting it also
    switches off glibc's adaptive mmap threshold, so each large torch tensor is mapped and
    page-faulted afresh: the model's forward pass ran 1.5x slower in such a worker than in a plain
    process (6.1 s against 4.2 s for 2,048 series). Start workers without it, as here, or run
    ``dask worker`` with ``distributed.nanny.pre-spawn-environ`` set likewise.
    """
    import dask

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ


class _Engine:
    """A local dask cluster or ray runtime of ``workers`` one-thread processes, or none."""

    def __init__(self, name, workers):
        self.name, self.workers = name, workers

    def __enter__(self):
        if self.name == "dask":
            import dask
            from distributed import Client, LocalCluster

            self.config = dask.config.set({"distributed.nanny.pre-spawn-environ": dask_worker_environ()})
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
            return "dask", {}
        if self.name == "ray":
            import ray

            ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
            return "ray", {"shutdown_ray": False}
        return None, None

    def __exit__(self, *exc):
        if self.name == "dask":
            self.client.close()
            self.cluster.close()
            self.config.__exit__(None, None, None)
        elif self.name == "ray":
            import ray

            ray.shutdown()


def warm_up(args, backend, params):
    """A small predict first, in shards of one-series batches, so that every worker has imported the
    package and loaded the weights before the clock starts (start-up is paid once per worker)."""
    from sktime_symbolic._distributed import SHARD_BATCHES

    n = 4 * args.workers * SHARD_BATCHES
    _forecaster(1, backend, params).fit(panel_frame(0, n, args.context, args.seed), fh=[1]).predict()


def run_scale(args, mode):
    """One mode of the scale part: fit + predict of the whole panel; forecasts saved for comparison."""
    import torch

    torch.set_num_threads(1)
    fh = np.arange(1, args.horizon + 1)
    y = panel_frame(0, args.series, args.context, args.seed)
    with PeakRSS() as peaks, _Engine(mode, args.workers) as (backend, params):
        warm_up(args, backend, params)
        forecaster = _forecaster(args.batch_size, backend, params)
        started = time.perf_counter()
        forecaster.fit(y, fh=fh)
        fitted = time.perf_counter()
        pred = forecaster.predict()
        done = time.perf_counter()
    values = pred.to_numpy(dtype=np.float64).reshape(args.series, args.horizon)
    np.save(Path(args.work) / f"forecast_{mode}.npy", values)
    return {"part": "scale", "mode": mode, "series": args.series, "workers": 1 if mode == "one" else args.workers,
            "fit_s": fitted - started, "predict_s": done - fitted, "series_per_s": args.series / (done - fitted),
            **peaks.report()}


def run_stream(args):
    """The stream part: shards generated, fitted, predicted and written one at a time."""
    import torch

    torch.set_num_threads(1)
    from tqdm.auto import tqdm

    fh = np.arange(1, args.horizon + 1)
    out = np.lib.format.open_memmap(Path(args.work) / "stream_median.npy", mode="w+", dtype=np.float32,
                                    shape=(args.stream_series, args.horizon))
    engine = args.stream_backend if args.stream_backend != "none" else "one"
    with PeakRSS() as peaks, _Engine(engine, args.workers) as (backend, params):
        warm_up(args, backend, params)
        started = time.perf_counter()
        for start in tqdm(range(0, args.stream_series, args.shard_series), desc="shards", unit="shard"):
            stop = min(start + args.shard_series, args.stream_series)
            forecaster = _forecaster(args.batch_size, backend, params).fit(
                panel_frame(start, stop, args.context, args.seed), fh=fh)
            out[start:stop] = forecaster.predict().to_numpy(dtype=np.float32).reshape(stop - start, args.horizon)
        out.flush()
        wall = time.perf_counter() - started
    return {"part": "stream", "mode": engine, "series": args.stream_series, "shard_series": args.shard_series,
            "workers": 1 if engine == "one" else args.workers, "wall_s": wall,
            "series_per_s": args.stream_series / wall, "finite": bool(np.isfinite(out).all()), **peaks.report()}


def run_memory(args, size):
    """The memory part for one size: the driver's RSS before predict and its peak during predict."""
    import psutil
    import torch

    torch.set_num_threads(1)
    y = panel_frame(0, size, args.context, args.seed)
    warm_up(args, None, None)
    forecaster = _forecaster(args.batch_size, None, None).fit(y, fh=np.arange(1, args.horizon + 1))
    me = psutil.Process()
    before = me.memory_info().rss
    exact = reset_peak_rss()
    with PeakRSS(interval=0.05) as peaks:
        started = time.perf_counter()
        pred = forecaster.predict()
        seconds = time.perf_counter() - started
    peak = kernel_peak_rss() / MB if exact else peaks.report()["driver_peak_rss_mb"]
    result_mb = (pred.memory_usage(deep=True).sum()) / MB
    return {"part": "memory", "series": size, "peak_source": "kernel" if exact else "sampled",
            "rss_before_predict_mb": before / MB, "peak_during_predict_mb": peak,
            "growth_mb": peak - before / MB, "result_mb": result_mb, "working_mb": peak - before / MB - result_mb,
            "predict_s": seconds, "series_per_s": size / seconds}


def _child(args, part, value):
    """Run one measurement in a fresh interpreter; its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        target = handle.name
    command = [sys.executable, __file__, "--_part", part, "--_value", str(value), "--_result", target,
               *args.passthrough]
    print(f"\n== {part} {value}", flush=True)
    subprocess.run(command, check=True)
    result = json.loads(Path(target).read_text())
    os.unlink(target)
    return result


def _table(results):
    lines = []
    scale = [r for r in results if r["part"] == "scale"]
    if scale:
        lines += ["| mode | workers | series | fit s | predict s | series/s | speed-up | driver peak RSS MB | "
                  "other processes' peak RSS MB (> 50 MB) | max diff / spread |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in scale:
            workers = ", ".join(f"{v:.0f}" for v in r["process_peak_rss_mb"]) or "-"
            lines.append(f"| {r['mode']} | {r['workers']} | {r['series']} | {r['fit_s']:.1f} | {r['predict_s']:.1f} | "
                         f"{r['series_per_s']:.1f} | {r.get('speedup', float('nan')):.2f} | "
                         f"{r['driver_peak_rss_mb']:.0f} | {workers} | {r.get('max_diff_over_spread', 0):.1e} |")
    for r in (r for r in results if r["part"] == "stream"):
        workers = ", ".join(f"{v:.0f}" for v in r["process_peak_rss_mb"]) or "-"
        lines += ["", "| stream mode | workers | series | shard | wall s | series/s | driver peak RSS MB | "
                  "worker peak RSS MB |", "|---|---|---|---|---|---|---|---|",
                  f"| {r['mode']} | {r['workers']} | {r['series']} | {r['shard_series']} | {r['wall_s']:.0f} | "
                  f"{r['series_per_s']:.1f} | {r['driver_peak_rss_mb']:.0f} | {workers} |"]
    memory = [r for r in results if r["part"] == "memory"]
    if memory:
        lines += ["", "| series | RSS before predict MB | peak during predict MB | growth MB | result DataFrame MB | "
                  "working MB (growth - result) | predict s |", "|---|---|---|---|---|---|---|"]
        for r in memory:
            lines.append(f"| {r['series']} | {r['rss_before_predict_mb']:.0f} | {r['peak_during_predict_mb']:.0f} | "
                         f"{r['growth_mb']:.0f} | {r['result_mb']:.0f} | {r['working_mb']:.0f} | {r['predict_s']:.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="scale,stream,memory", help="parts to run: scale, stream, memory")
    parser.add_argument("--series", type=int, default=100_000, help="series of the scale part")
    parser.add_argument("--modes", default="one,dask,ray", help="scale part: one, dask, ray (one goes first)")
    parser.add_argument("--workers", type=int, default=2, help="dask / ray worker processes, one thread each")
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--horizon", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--stream-series", type=int, default=1_000_000)
    parser.add_argument("--shard-series", type=int, default=20_000, help="series per streamed shard")
    parser.add_argument("--stream-backend", default="dask", choices=("none", "dask", "ray"))
    parser.add_argument("--memory-sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (a test of the script)")
    parser.add_argument("--out", type=Path, default=Path("distributed_benchmark.json"))
    parser.add_argument("--work", default=None, help="folder for forecasts (default: next to --out)")
    parser.add_argument("--_part", help=argparse.SUPPRESS)
    parser.add_argument("--_value", help=argparse.SUPPRESS)
    parser.add_argument("--_result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.series, args.stream_series, args.shard_series = 600, 900, 400
        args.memory_sizes, args.context, args.horizon, args.batch_size = "200,600", 128, 16, 32
    for name in ("series", "workers", "context", "horizon", "batch_size", "stream_series", "shard_series"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    sizes = [int(s) for s in args.memory_sizes.split(",") if s.strip()]
    bad = sorted(set(parts) - {"scale", "stream", "memory"}) + sorted(set(modes) - {"one", "dask", "ray"})
    if bad:
        parser.error(f"unknown part or mode {bad}: parts are scale, stream, memory; modes one, dask, ray")
    args.work = args.work or str(args.out.resolve().parent / (args.out.stem + "_work"))
    Path(args.work).mkdir(parents=True, exist_ok=True)

    if args._part:  # a child: one measurement
        run = {"scale": lambda v: run_scale(args, v), "stream": lambda v: run_stream(args),
               "memory": lambda v: run_memory(args, int(v))}[args._part]
        Path(args._result).write_text(json.dumps(run(args._value)))
        return 0

    args.passthrough = [a for a in (argv if argv is not None else sys.argv[1:])]
    args.passthrough += ["--work", args.work]
    results = []
    if "scale" in parts:
        if "one" in modes:  # the reference the others are compared with
            modes = ["one"] + [m for m in modes if m != "one"]
        for mode in modes:
            results.append(_child(args, "scale", mode))
        reference = next((r for r in results if r.get("mode") == "one"), None)
        if reference is not None:
            base = np.load(Path(args.work) / "forecast_one.npy")
            spread = float(np.ptp(base))
            for r in results:
                if r["part"] == "scale":
                    other = np.load(Path(args.work) / f"forecast_{r['mode']}.npy")
                    r["max_diff_over_spread"] = float(np.max(np.abs(other - base)) / spread)
                    r["same_forecasts"] = bool(np.allclose(other, base, rtol=1e-5, atol=1e-6 * spread))
                    r["speedup"] = r["series_per_s"] / reference["series_per_s"]
    if "stream" in parts:
        results.append(_child(args, "stream", args.stream_backend))
    if "memory" in parts:
        for size in sizes:
            results.append(_child(args, "memory", size))
    meta = {"argv": sys.argv[1:], "cpu_count": os.cpu_count(), "python": sys.version.split()[0]}
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    table = _table(results)
    args.out.with_suffix(".md").write_text(table + "\n")
    print("\n" + table)
    print(f"\nwrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
