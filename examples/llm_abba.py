"""LLM-ABBA on CPU: classification and forecasting with a small language model trained from scratch.

The model is a two-layer Llama built from its config (random initialisation), its tokenizer a
word-level vocabulary made in memory, and only LoRA adapters plus the symbol tokens' embeddings
are trained, as they would be on a pretrained model. This shows the mechanics in a few CPU
minutes; it is not the paper's 7B set-up, and its numbers say nothing about what a pretrained
LLM does.

    python examples/llm_abba.py                       # classification + forecasting, from scratch
    python examples/llm_abba.py --model DIR           # a local pretrained causal LM (e.g. a Llama
                                                      # or GPT-2 directory), nothing is downloaded
    python examples/llm_abba.py --parity PYTHON       # symbolization next to llmabba's, where
                                                      # PYTHON is an interpreter with llmabba installed

Classification: GunPoint and ItalyPowerDemand (bundled with sktime), at LLM-ABBA's symbol
settings (tol 0.05, alpha 0.01, scl 3) and at a coarser alpha (fewer symbols). Forecasting: a
seasonal series (period 24 plus a slower cycle and noise), 48 steps ahead, against the seasonal
naive forecast.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pandas as pd
import torch

# the parity run in llmabba's interpreter: its package __init__ imports its LLM trainer (transformers,
# peft, datasets, wandb, ...), so only its ABBA part (xabba, with its compiled kernels) is loaded
LLMABBA_PARITY = textwrap.dedent("""
    import contextlib, importlib.util, io, json, sys, time, types
    import numpy as np
    spec = importlib.util.find_spec("llmabba")
    package = types.ModuleType("llmabba")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["llmabba"] = package
    from llmabba.xabba import XABBA
    data = np.load(sys.argv[1])
    out = {}
    for name in data.files:
        X = data[name]
        seconds = []
        for _ in range(3):  # best of three: the machine is shared
            started = time.perf_counter()
            xabba = XABBA(tol=0.05, init="agg", alpha=0.01, scl=3, verbose=0)
            with contextlib.redirect_stdout(io.StringIO()):
                strings = xabba.fit_transform(X, n_jobs=1)
                recon = xabba.inverse_transform(strings, n_jobs=1)
            seconds.append(time.perf_counter() - started)
        errors, mismatch = [], []
        for x, r in zip(X, recon):
            r = np.asarray(r, dtype=float)
            n = min(len(x), len(r))
            errors.append(float(np.sqrt(np.mean((x[:n] - r[:n]) ** 2))))
            mismatch.append(abs(len(r) - len(x)))
        out[name] = {"rmse": float(np.mean(errors)), "symbols_per_series": float(np.mean([len(s) for s in strings])),
                     "n_symbols": int(xabba.parameters.centers.shape[0]), "seconds": min(seconds),
                     "length_mismatch": float(np.mean(mismatch))}
    print(json.dumps(out))
""")


def small_llama(vocab_size):
    from transformers import LlamaConfig

    return LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=4, vocab_size=vocab_size, max_position_embeddings=512)


def model_for(args, vocab_size=2048):
    """The local model directory, or a small Llama config (from scratch)."""
    return args.model if args.model else small_llama(vocab_size)


def classification(args):
    from sktime.datasets import load_gunpoint, load_italy_power_demand

    from sktime_symbolic.llm import LLMABBAClassifier

    rows = []
    for name, loader in (("GunPoint", load_gunpoint), ("ItalyPowerDemand", load_italy_power_demand)):
        X_train, y_train = loader(split="train", return_type="numpy3D")
        X_test, y_test = loader(split="test", return_type="numpy3D")
        for alpha in (0.01, 0.3):
            clf = LLMABBAClassifier(model_for(args), alpha=alpha, lora_r=16, fine_tune_steps=args.steps,
                                    fine_tune_lr=args.lr, batch_size=16, device=args.device, random_state=0,
                                    progress=args.progress)
            started = time.perf_counter()
            clf.fit(X_train, y_train)
            fit_s = time.perf_counter() - started
            accuracy = float((clf.predict(X_test) == y_test).mean())
            per_series = np.mean([len(ids) for ids in clf.codec_.encode(list(X_train[:, 0]))])
            rows.append({"dataset": name, "alpha": alpha, "symbols": clf.codec_.n_symbols,
                         "symbols/series": round(float(per_series), 1), "train": len(y_train), "test": len(y_test),
                         "accuracy": round(accuracy, 3), "loss first10": round(float(np.mean(clf.losses_[:10])), 3),
                         "loss last10": round(float(np.mean(clf.losses_[-10:])), 4), "fit s": round(fit_s, 1)})
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def seasonal_series(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + 2 * np.sin(2 * np.pi * t / 24) + np.sin(2 * np.pi * t / 168) + 0.3 * rng.standard_normal(n)


def forecasting(args, horizon=48):
    from sktime_symbolic.llm import LLMABBAForecaster

    values = seasonal_series()
    y = pd.Series(values[:-horizon])
    actual = values[-horizon:]
    rows = []
    for alpha in (0.01, 0.3):
        forecaster = LLMABBAForecaster(model_for(args), alpha=alpha, context_symbols=48, target_symbols=16,
                                       n_samples=20, lora_r=16, fine_tune_steps=args.steps, fine_tune_lr=args.lr,
                                       batch_size=8, device=args.device, random_state=0, progress=args.progress)
        started = time.perf_counter()
        forecaster.fit(y)
        fit_s = time.perf_counter() - started
        fh = np.arange(1, horizon + 1)
        started = time.perf_counter()
        point = forecaster.predict(fh=fh).to_numpy()
        interval = forecaster.predict_interval(fh=fh, coverage=0.8).to_numpy()
        predict_s = time.perf_counter() - started
        seasonal_naive = np.resize(y.to_numpy()[-24:], horizon)
        covered = float(((actual >= interval[:, 0]) & (actual <= interval[:, 1])).mean())
        rows.append({"alpha": alpha, "symbols": forecaster.codec_.n_symbols,
                     "MAE LLM-ABBA": round(float(np.abs(point - actual).mean()), 3),
                     "MAE seasonal naive": round(float(np.abs(seasonal_naive - actual).mean()), 3),
                     "MAE last value": round(float(np.abs(y.iloc[-1] - actual).mean()), 3),
                     "80% interval coverage": round(covered, 2), "first step": round(float(point[0]), 3),
                     "last observed": round(float(y.iloc[-1]), 3), "fit s": round(fit_s, 1),
                     "predict s": round(predict_s, 1)})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def parity(python):
    """Our codec next to llmabba's XABBA on the same z-normalised UCR series, tol 0.05 / alpha 0.01 / scl 3."""
    from sktime.datasets import load_gunpoint, load_italy_power_demand

    from sktime_symbolic.llm import SymbolTokenCodec, word_level_tokenizer

    data = {}
    for name, loader in (("GunPoint", load_gunpoint), ("ItalyPowerDemand", load_italy_power_demand)):
        X, _ = loader(return_type="numpy3D")  # train and test together
        X = X[:, 0, :].astype(np.float64)
        # both get each series z-normalised, so errors are in the same units
        data[name] = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "series.npz")
        np.savez(path, **data)
        theirs = json.loads(subprocess.run([python, "-c", LLMABBA_PARITY, path], check=True, capture_output=True,
                                           text=True).stdout.strip().splitlines()[-1])
    tokenizer = word_level_tokenizer(8192, [";"])
    # compile the numba kernels first, so that the times below are run times
    for fixed_point in (True, False):
        SymbolTokenCodec(tokenizer, fixed_point=fixed_point, n_jobs=1).fit(list(data["ItalyPowerDemand"][:50]))
    rows = []
    for name, X in data.items():
        for label, fixed_point in (("sktime_symbolic.llm (fixed point)", True), ("sktime_symbolic.llm (increments)",
                                                                                  False)):
            seconds = []
            for _ in range(3):  # best of three, as for llmabba
                started = time.perf_counter()
                codec = SymbolTokenCodec(tokenizer, tol=0.05, alpha=0.01, scl=3, fixed_point=fixed_point, n_jobs=1)
                codec.fit(list(X))
                rep = codec.transform(list(X))
                recon = codec.jabba_.inverse_transform(rep)
                seconds.append(time.perf_counter() - started)
            rmse = np.mean([np.sqrt(np.mean((x - r) ** 2)) for x, r in zip(X, recon)])
            rows.append({"dataset": name, "series": len(X), "length": X.shape[1], "codec": label,
                         "rmse": round(float(rmse), 4),
                         "symbols/series": round(float(np.mean(np.diff(rep.offsets))), 2),
                         "distinct symbols": codec.n_symbols, "seconds": round(min(seconds), 3),
                         "length mismatch": 0.0})
        t = theirs[name]
        rows.append({"dataset": name, "series": len(X), "length": X.shape[1], "codec": "llmabba 0.0.5 XABBA",
                     "rmse": round(t["rmse"], 4), "symbols/series": round(t["symbols_per_series"], 2),
                     "distinct symbols": t["n_symbols"], "seconds": round(t["seconds"], 3),
                     "length mismatch": round(t["length_mismatch"], 2)})
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a local model directory (default: a small Llama from scratch)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=300, help="LoRA steps of every fit")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--progress", action="store_true", help="show Lightning's progress bars")
    parser.add_argument("--parity", metavar="PYTHON", default=None,
                        help="only the symbolization parity, with llmabba installed for PYTHON")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", torch.get_num_threads())))
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    if args.parity:
        print(parity(args.parity).to_string(index=False))
        return
    print("== classification ==")
    print(classification(args).to_string(index=False))
    print("== forecasting (48 steps) ==")
    print(forecasting(args).to_string(index=False))


if __name__ == "__main__":
    sys.exit(main())
