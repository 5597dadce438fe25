"""Inference throughput: the shipped symbolic model vs the Chronos-t5-tiny architecture, same workload.

Chronos is built from a randomly initialised T5 with chronos-t5-tiny's published shape (no
download: weights do not change the cost). Each model runs in its own subprocess so the peak
resident memory (``ru_maxrss``) is its own. Needs ``pip install --no-deps chronos-forecasting``
plus ``transformers``, ``accelerate``, ``einops``.

    PYTHONPATH=. python examples/symbolic_fm_speed.py --n-series 1024 --context 512 --horizon 64 --num-samples 20
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import torch


def workload(n_series, context, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(context)
    period = rng.choice([7, 12, 24, 52], size=(n_series, 1))
    return (10 + 3 * np.sin(2 * np.pi * t / period + rng.uniform(0, 6, (n_series, 1)))
            + rng.normal(0, 0.5, (n_series, context)) + 0.01 * t * rng.normal(size=(n_series, 1)))


def build_chronos(horizon, num_samples):
    from chronos import ChronosConfig, ChronosModel, ChronosPipeline
    from transformers import T5Config, T5ForConditionalGeneration

    cfg = ChronosConfig(tokenizer_class="MeanScaleUniformBins",
                        tokenizer_kwargs={"low_limit": -15.0, "high_limit": 15.0}, context_length=512,
                        prediction_length=horizon, n_tokens=4096, n_special_tokens=2, pad_token_id=0, eos_token_id=1,
                        use_eos_token=True, model_type="seq2seq", num_samples=num_samples, temperature=1.0, top_k=50,
                        top_p=1.0)
    # chronos-t5-tiny: T5 efficient-tiny shape, 4 + 4 layers, d_model 256, vocab 4096
    t5 = T5Config(vocab_size=4096, d_model=256, d_kv=64, d_ff=1024, num_layers=4, num_decoder_layers=4, num_heads=4,
                  feed_forward_proj="relu", pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    torch.manual_seed(0)
    model = T5ForConditionalGeneration(t5).eval()
    return ChronosPipeline(tokenizer=cfg.create_tokenizer(), model=ChronosModel(config=cfg, model=model))


def run_one(model, n_series, context, horizon, num_samples, batch_size):
    X = workload(n_series, context)
    if model == "symbolic":
        from sktime_symbolic.model import load_pretrained

        pipe = load_pretrained("symbolic-nano")
        params = pipe.model.num_parameters()
        pipe.forecast(X[:2], horizon, num_samples=num_samples)  # warm-up (numba, allocator)
        started = time.perf_counter()
        out = pipe.forecast(X, horizon, num_samples=num_samples, batch_size=batch_size)
    else:
        pipe = build_chronos(horizon, num_samples)
        params = sum(p.numel() for p in pipe.model.parameters())
        pipe.predict(torch.tensor(X[:2], dtype=torch.float32), horizon, num_samples=num_samples)
        started = time.perf_counter()
        out = torch.cat([pipe.predict(torch.tensor(X[i:i + batch_size], dtype=torch.float32), horizon,
                                      num_samples=num_samples, limit_prediction_length=False)
                         for i in range(0, n_series, batch_size)]).numpy()
    wall = time.perf_counter() - started
    assert out.shape == (n_series, num_samples, horizon), out.shape
    return {"model": model, "parameters": int(params), "n_series": n_series, "wall_s": wall,
            "series_per_s": n_series / wall, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "threads": torch.get_num_threads()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-series", type=int, default=1024)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--horizon", type=int, default=64)
    parser.add_argument("--num-samples", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--only", choices=["symbolic", "chronos"], default=None, help="internal: one model")
    args = parser.parse_args()
    if args.only:
        print(json.dumps(run_one(args.only, args.n_series, args.context, args.horizon, args.num_samples,
                                 args.batch_size)))
        return
    rows = []
    for model in ("symbolic", "chronos"):
        options = [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k != "only"]
        cmd = [sys.executable, __file__, "--only", model, *options]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    ratio = rows[0]["series_per_s"] / rows[1]["series_per_s"]
    print(f"symbolic / chronos-t5-tiny throughput: {ratio:.2f}x")


if __name__ == "__main__":
    main()
