"""One call on a lent GPU: zero-shot inference at scale, a fine-tuning chunk, a LoRA/QLoRA step, 2-GPU DDP.

    python examples/gpu_check.py --out gpu_check.json            # a few minutes on one GPU
    python examples/gpu_check.py --smoke --out smoke.json        # tiny sizes, CPU (the test of this script)

Parts, each timed, with its figures in one JSON file (a part that fails records its error and
the others still run; the exit status is 1 if any failed):

``device``     torch, CUDA, the GPU's name and memory, bf16 support.
``zero_shot``  the shipped pipeline (``device="auto"``: CUDA with bf16 autocast) on ``--series``
               synthetic series of ``--context`` values, ``--horizon`` steps, batches of
               ``--batch-size``: series/s and peak GPU memory; the same API through
               ``SymbolicFMForecaster`` on a panel of ``--panel-series``; and the largest difference
               between the device's forecasts and the CPU's (fp32) on 64 series.
``fine_tune``  ``--fine-tune-steps`` optimiser steps of :func:`sktime_symbolic.model.finetune.fine_tune`
               (Lightning; bf16 on CUDA): steps/s.
``lora``       ``LLMABBAForecaster`` fine-tuning a small Llama (built from a transformers config and
               saved locally: no download) for ``--lora-steps`` steps; QLoRA when CUDA and
               bitsandbytes are present, else LoRA.
``ddp``        with 2 GPUs or more: ``SymbolicFMEstimator`` trained ``--ddp-steps`` steps with
               ``devices=2`` (DDP; the estimator tells it that hourly batches leave the shipped
               model's specialist networks unused), in a child process of this script (Lightning
               re-runs its command per rank); skipped with fewer GPUs.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

MB = 2**20


def synthetic(n, length, seed):
    """Random walks with a daily season, one row per series (seeded)."""
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.standard_normal((n, length)), axis=1)
    season = rng.uniform(0, 3, (n, 1)) * np.sin(2 * np.pi * np.arange(length) / 24 + rng.uniform(0, 6.3, (n, 1)))
    return rng.uniform(10, 1000, (n, 1)) + walk + season


def _cuda_peak_reset():
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def _cuda_peak_mb():
    import torch

    if not torch.cuda.is_available():
        return None
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() / MB


def part_device(args):
    import torch

    info = {"torch": torch.__version__, "python": platform.python_version(), "cuda": torch.cuda.is_available(),
            "gpus": torch.cuda.device_count()}
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(name=props.name, memory_gb=props.total_memory / 2**30, bf16=torch.cuda.is_bf16_supported())
    return info


def part_zero_shot(args):
    import pandas as pd

    from sktime_symbolic.forecasting import SymbolicFMForecaster
    from sktime_symbolic.model import load_pretrained

    pipe = load_pretrained(device="auto")
    values = synthetic(args.series, args.context, args.seed)
    pipe.predict_quantiles(values[:args.batch_size], args.horizon, batch_size=args.batch_size)  # warm-up
    _cuda_peak_reset()
    started = time.perf_counter()
    quantiles, _ = pipe.predict_quantiles(values, args.horizon, batch_size=args.batch_size, progress=True)
    seconds = time.perf_counter() - started
    out = {"device": str(pipe.device), "series": args.series, "context": args.context, "horizon": args.horizon,
           "batch_size": args.batch_size, "seconds": seconds, "series_per_s": args.series / seconds,
           "peak_gpu_mb": _cuda_peak_mb(), "finite": bool(np.isfinite(quantiles).all())}
    # the device's forecasts (bf16 autocast on CUDA) against fp32 on CPU
    few = values[:64]
    here, _ = pipe.predict_quantiles(few, args.horizon, batch_size=64)
    cpu, _ = load_pretrained(device="cpu").predict_quantiles(few, args.horizon, batch_size=64)
    spread = np.ptp(cpu, axis=(1, 2), keepdims=True)
    out["max_diff_vs_cpu_over_spread"] = float(np.max(np.abs(here - cpu) / spread))
    # the same API in sktime: a pd-multiindex panel through SymbolicFMForecaster(device="auto")
    n = args.panel_series
    index = pd.MultiIndex.from_product([np.arange(n), np.arange(args.context)])
    panel = pd.DataFrame({"y": values[:n].ravel()}, index=index)
    forecaster = SymbolicFMForecaster(device="auto", batch_size=args.batch_size)
    started = time.perf_counter()
    pred = forecaster.fit(panel, fh=np.arange(1, args.horizon + 1)).predict()
    seconds = time.perf_counter() - started
    out.update(sktime_panel_series=n, sktime_fit_predict_s=seconds, sktime_series_per_s=n / seconds,
               sktime_rows=len(pred))
    return out


def part_fine_tune(args):
    from sktime_symbolic.model import load_pretrained
    from sktime_symbolic.model.finetune import fine_tune

    pipe = load_pretrained(device="auto")
    series = synthetic(args.fine_tune_series, args.context, args.seed + 1)
    _cuda_peak_reset()
    started = time.perf_counter()
    tuned = fine_tune(pipe, series, prediction_length=args.horizon, max_steps=args.fine_tune_steps,
                      batch_size=args.fine_tune_batch_size, seed=args.seed)
    seconds = time.perf_counter() - started
    quantiles, _ = tuned.predict_quantiles(series[:8], args.horizon)
    return {"device": str(tuned.device), "steps": args.fine_tune_steps, "batch_size": args.fine_tune_batch_size,
            "seconds": seconds, "steps_per_s": args.fine_tune_steps / seconds, "peak_gpu_mb": _cuda_peak_mb(),
            "finite_after": bool(np.isfinite(quantiles).all())}


def part_lora(args):
    import pandas as pd
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    from sktime_symbolic.llm import LLMABBAForecaster
    from sktime_symbolic.llm.codec import word_level_tokenizer

    tokenizer = word_level_tokenizer(args.lora_vocab)
    config = LlamaConfig(hidden_size=args.lora_hidden, intermediate_size=2 * args.lora_hidden,
                         num_hidden_layers=args.lora_layers, num_attention_heads=4, num_key_value_heads=4,
                         vocab_size=len(tokenizer), max_position_embeddings=512,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    try:
        import bitsandbytes  # noqa: F401
        qlora = torch.cuda.is_available()
    except ImportError:
        qlora = False
    y = pd.Series(synthetic(1, 400, args.seed + 2)[0])
    with tempfile.TemporaryDirectory() as directory:
        torch.manual_seed(args.seed)
        AutoModelForCausalLM.from_config(config).save_pretrained(directory)
        tokenizer.save_pretrained(directory)
        # alpha 0.5: a codebook of a few dozen symbols, which a small vocabulary holds
        forecaster = LLMABBAForecaster(model=directory, qlora="auto", fine_tune_steps=args.lora_steps, alpha=0.5,
                                       batch_size=4, device="auto", random_state=args.seed, n_samples=4)
        _cuda_peak_reset()
        started = time.perf_counter()
        forecaster.fit(y, fh=np.arange(1, 9))
        fit_s = time.perf_counter() - started
        pred = forecaster.predict()
    return {"qlora": qlora, "parameters": sum(p.numel() for p in AutoModelForCausalLM.from_config(config).parameters()),
            "steps": args.lora_steps, "fit_s": fit_s, "steps_per_s": args.lora_steps / fit_s,
            "peak_gpu_mb": _cuda_peak_mb(), "forecast_finite": bool(np.isfinite(pred.to_numpy()).all())}


def part_ddp(args):
    import torch

    if torch.cuda.device_count() < 2:
        return {"skipped": f"{torch.cuda.device_count()} GPU(s): DDP needs 2"}
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        target = handle.name
    command = [sys.executable, __file__, "--_ddp", target, "--ddp-steps", str(args.ddp_steps), "--seed", str(args.seed),
               "--context", str(args.context), "--horizon", str(args.horizon)]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    result = json.loads(Path(target).read_text())
    result["wall_s"] = time.perf_counter() - started
    return result


def run_ddp_child(args):
    """Rank work of the ddp part (Lightning re-runs this command for rank 1); rank 0 writes the figures."""
    import pandas as pd
    import torch
    from gluonts.dataset.common import ListDataset

    from gluonts_symbolic import SymbolicFMEstimator

    values = synthetic(256, args.context, args.seed + 3)
    data = ListDataset([{"start": pd.Period("2020-01-01 00:00", "h"), "target": v} for v in values], freq="h")
    estimator = SymbolicFMEstimator(prediction_length=args.horizon, max_steps=args.ddp_steps, batch_size=64,
                                    seed=args.seed, trainer_kwargs={"accelerator": "gpu", "devices": 2})
    started = time.perf_counter()
    predictor = estimator.train(data)
    seconds = time.perf_counter() - started
    if int(torch.distributed.get_rank() if torch.distributed.is_initialized() else 0) == 0:
        forecast = next(iter(predictor.predict(ListDataset([data.list_data[0]], freq="h"))))
        Path(args._ddp).write_text(json.dumps({"devices": 2, "steps": args.ddp_steps, "train_s": seconds,
                                               "steps_per_s": args.ddp_steps / seconds,
                                               "forecast_finite": bool(np.isfinite(forecast.median).all())}))


PARTS = {"device": part_device, "zero_shot": part_zero_shot, "fine_tune": part_fine_tune, "lora": part_lora,
         "ddp": part_ddp}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts to run, of {', '.join(PARTS)}")
    parser.add_argument("--series", type=int, default=200_000)
    parser.add_argument("--panel-series", type=int, default=20_000)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--horizon", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--fine-tune-steps", type=int, default=300)
    parser.add_argument("--fine-tune-batch-size", type=int, default=256)
    parser.add_argument("--fine-tune-series", type=int, default=2000)
    parser.add_argument("--lora-steps", type=int, default=30)
    parser.add_argument("--lora-hidden", type=int, default=256)
    parser.add_argument("--lora-layers", type=int, default=4)
    parser.add_argument("--lora-vocab", type=int, default=512)
    parser.add_argument("--ddp-steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: runs on CPU in about a minute")
    parser.add_argument("--_ddp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.series, args.panel_series, args.context, args.horizon, args.batch_size = 96, 24, 128, 16, 32
        args.fine_tune_steps, args.fine_tune_batch_size, args.fine_tune_series = 2, 4, 16
        args.lora_steps, args.lora_hidden, args.lora_layers, args.lora_vocab, args.ddp_steps = 1, 32, 1, 160, 2
    if args._ddp:
        run_ddp_child(args)
        return 0
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {unknown}; parts are {', '.join(PARTS)}")
    for name in ("series", "panel_series", "context", "horizon", "batch_size", "fine_tune_steps", "lora_steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    if args.panel_series > args.series:
        parser.error(f"--panel-series ({args.panel_series}) must not exceed --series ({args.series})")
    report, failed = {"argv": sys.argv[1:] if argv is None else list(argv)}, []
    for name in parts:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            report[name] = PARTS[name](args)
        except Exception as error:  # record it and go on: one GPU call should bring back every part it can
            traceback.print_exc()
            report[name] = {"error": f"{type(error).__name__}: {error}"}
            failed.append(name)
        report[name]["part_wall_s"] = time.perf_counter() - started
        print(json.dumps(report[name], indent=1), flush=True)
        args.out.write_text(json.dumps(report, indent=2))  # written after every part: a timeout keeps what ran
    print(f"wrote {args.out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
