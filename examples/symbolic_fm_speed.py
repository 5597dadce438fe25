"""Inference throughput and peak memory: the shipped symbolic model vs Chronos-t5-tiny and Chronos-Bolt-tiny.

All models forecast the same workload: ``--n-series`` synthetic seasonal series of length
``--context``, ``--horizon`` steps ahead, in batches of ``--batch-size`` series.

``symbolic``
    The shipped model ``--weights`` (default :data:`sktime_symbolic.model.DEFAULT_MODEL`, or a
    saved directory), a :class:`~sktime_symbolic.model.pipeline.QuantilePipeline`,
    timed on ``predict_quantiles`` (its trained quantiles, one forward pass per batch and
    horizon chunk).
``chronos``
    Chronos-t5-tiny's architecture (T5 4 + 4 layers, d_model 256, vocabulary 4096), timed on
    ``ChronosPipeline.predict`` with ``--num-samples`` sample paths.
``bolt``
    Chronos-Bolt-tiny's architecture (patches of 16, REG token, T5 4 + 4 layers, d_model 256),
    timed on ``ChronosBoltPipeline.predict_quantiles`` for its 9 quantiles 0.1, ..., 0.9.

Both Chronos models are randomly initialised with the published shapes (no download: the
weights do not change the cost). Each model runs in its own subprocess after a warm-up on two
series, so the peak resident memory (``ru_maxrss``, loading included) is its own. One JSON line
is printed per model (parameters, wall seconds, series per second, peak MiB, torch threads),
then the throughput ratios symbolic / chronos-t5-tiny and symbolic / chronos-bolt-tiny of the
models that ran. Chronos needs ``pip install --no-deps chronos-forecasting`` plus
``transformers``, ``accelerate`` and ``einops``.

    OMP_NUM_THREADS=1 python examples/symbolic_fm_speed.py --models symbolic,bolt --n-series 1024

Options: ``--models`` (comma list of symbolic, chronos, bolt; default all three),
``--weights``, ``--n-series`` (1024), ``--context`` (512), ``--horizon`` (64),
``--num-samples`` (20, Chronos-t5 only: it samples paths), ``--batch-size`` (32).
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import torch

from sktime_symbolic.model import DEFAULT_MODEL

MODELS = ("symbolic", "chronos", "bolt")
BOLT_QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def workload(n_series, context, seed=0):
    """Noisy sines of period 7, 12, 24 or 52 with a random trend: array (n_series, context)."""
    rng = np.random.default_rng(seed)
    t = np.arange(context)
    period = rng.choice([7, 12, 24, 52], size=(n_series, 1))
    return (10 + 3 * np.sin(2 * np.pi * t / period + rng.uniform(0, 6, (n_series, 1)))
            + rng.normal(0, 0.5, (n_series, context)) + 0.01 * t * rng.normal(size=(n_series, 1)))


def build_chronos(horizon, num_samples):
    """ChronosPipeline with chronos-t5-tiny's shape, random weights."""
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


def build_bolt():
    """ChronosBoltPipeline with chronos-bolt-tiny's shape, random weights."""
    from chronos import ChronosBoltPipeline
    from chronos.chronos_bolt import ChronosBoltModelForForecasting
    from transformers import T5Config

    chronos_config = {"context_length": 2048, "prediction_length": 64, "input_patch_size": 16,
                      "input_patch_stride": 16, "quantiles": BOLT_QUANTILES, "use_reg_token": True}
    t5 = T5Config(d_model=256, d_kv=64, d_ff=1024, num_layers=4, num_decoder_layers=4, num_heads=4,
                  feed_forward_proj="relu", pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                  chronos_config=chronos_config)
    torch.manual_seed(0)
    return ChronosBoltPipeline(model=ChronosBoltModelForForecasting(t5).eval())


def run_one(model, weights, n_series, context, horizon, num_samples, batch_size):
    """Time one model on the workload in this process; a dict of its figures."""
    X = workload(n_series, context)
    if model == "symbolic":
        from sktime_symbolic.model import load_pretrained

        pipe = load_pretrained(weights)
        name, output = str(weights), f"{len(pipe.levels)} quantiles"
        expected = (n_series, len(pipe.levels), horizon)

        def predict(x):
            return pipe.predict_quantiles(x, horizon, batch_size=batch_size)[0]
    elif model == "chronos":
        pipe = build_chronos(horizon, num_samples)
        name, output = "chronos-t5-tiny (random init)", f"{num_samples} samples"
        expected = (n_series, num_samples, horizon)

        def predict(x):
            return torch.cat([pipe.predict(torch.tensor(x[i:i + batch_size], dtype=torch.float32), horizon,
                                           num_samples=num_samples, limit_prediction_length=False)
                              for i in range(0, len(x), batch_size)]).numpy()
    else:
        pipe = build_bolt()
        name, output = "chronos-bolt-tiny (random init)", f"{len(BOLT_QUANTILES)} quantiles"
        expected = (n_series, horizon, len(BOLT_QUANTILES))

        def predict(x):
            return torch.cat([pipe.predict_quantiles(torch.tensor(x[i:i + batch_size], dtype=torch.float32), horizon,
                                                     quantile_levels=BOLT_QUANTILES)[0]
                              for i in range(0, len(x), batch_size)]).numpy()
    params = sum(p.numel() for p in pipe.model.parameters())
    predict(X[:2])  # warm-up (numba, allocator)
    started = time.perf_counter()
    out = predict(X)
    wall = time.perf_counter() - started
    assert out.shape == expected, (out.shape, expected)
    return {"model": model, "name": name, "output": output, "parameters": int(params), "n_series": n_series,
            "batches": -(-n_series // batch_size), "wall_s": round(wall, 3), "series_per_s": round(n_series / wall, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "threads": torch.get_num_threads()}


def parse_models(text):
    """``--models``: a comma list of names from :data:`MODELS`, in the order given."""
    models = [m.strip() for m in text.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if not models or unknown:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(MODELS)}; got {text!r}")
    return list(dict.fromkeys(models))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=parse_models, default=list(MODELS),
                        help="comma list of symbolic, chronos, bolt (default: all three)")
    parser.add_argument("--weights", default=DEFAULT_MODEL, help="shipped model name or saved directory")
    parser.add_argument("--n-series", type=int, default=1024)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--horizon", type=int, default=64)
    parser.add_argument("--num-samples", type=int, default=20, help="sample paths of Chronos-t5")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--only", choices=MODELS, default=None, help=argparse.SUPPRESS)  # internal: one model
    args = parser.parse_args()
    if args.only:
        print(json.dumps(run_one(args.only, args.weights, args.n_series, args.context, args.horizon,
                                 args.num_samples, args.batch_size)))
        return
    options = [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k not in ("only", "models")]
    rows = {}
    for model in args.models:
        result = subprocess.run([sys.executable, __file__, "--only", model, *options], capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"{model} failed:\n{result.stderr}")
        rows[model] = json.loads(result.stdout.strip().splitlines()[-1])
        print(json.dumps(rows[model]), flush=True)
    for other, label in (("chronos", "chronos-t5-tiny"), ("bolt", "chronos-bolt-tiny")):
        if "symbolic" in rows and other in rows:
            ratio = rows["symbolic"]["series_per_s"] / rows[other]["series_per_s"]
            print(f"symbolic / {label} throughput: {ratio:.2f}x")


if __name__ == "__main__":
    main()
