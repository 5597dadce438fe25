"""Tests of the synthetic data generators (small sizes, fast)."""

import numpy as np
import pytest

from sktime_symbolic.synthetic import (
    BaseKernel, CauKer, KernelSynth, S2Generator, SyntheticMixture, evaluate_infix,
    evaluate_tokens, lag1_autocorrelation, read_shards, spectral_entropy, trend_strength,
    write_shards,
)
from sktime_symbolic.synthetic.kernelsynth import _factor, _sample_product

LENGTH = 128


def _generators():
    return [KernelSynth(LENGTH), CauKer(LENGTH, n_nodes=5, n_emit=3), S2Generator(LENGTH)]


@pytest.mark.parametrize("gen", _generators(), ids=lambda g: g.name)
def test_same_seed_same_series_whatever_the_batch(gen):
    a = gen.generate(12, seed=5)
    b = gen.generate(12, seed=5)
    np.testing.assert_array_equal(a, b)
    # sample 7 alone, or inside a different batch, is the same series
    np.testing.assert_allclose(gen.generate_at([7], seed=5)[0], a[7], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gen.generate_at([30, 7, 2], seed=5)[1], a[7], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("gen", _generators(), ids=lambda g: g.name)
def test_different_seed_or_index_differs_and_all_finite(gen):
    a = gen.generate(20, seed=0)
    b = gen.generate(20, seed=1)
    assert np.isfinite(a).all() and np.isfinite(b).all()
    assert a.shape == (20, LENGTH)
    assert not np.allclose(a, b)
    # no two indices give the same series (constant-kernel draws may be equal up to scale, so
    # compare raw values)
    distinct = {tuple(np.round(row, 8)) for row in a}
    assert len(distinct) == len(a)


@pytest.mark.parametrize("period", [12, 24, 52])
def test_periodic_kernel_shows_its_period(period):
    length = 1024
    gen = KernelSynth(length, max_kernels=1, kernel_bank=[BaseKernel("periodic", period=period)])
    x = gen.generate(16, seed=0)
    power = (np.abs(np.fft.rfft(x - x.mean(1, keepdims=True), axis=1)) ** 2).mean(0)
    freqs = np.fft.rfftfreq(length)
    peak = freqs[np.argmax(power[1:]) + 1]
    assert abs(peak - 1.0 / period) <= 1.0 / length
    # and the series repeats itself after one period
    np.testing.assert_allclose(x[:, period:], x[:, :-period], atol=1e-6)


def test_kernel_factors_reproduce_kernel_matrices():
    for k in KernelSynth().kernel_bank:
        f = _factor(k, 48, 1e-9)
        approx = np.diag(f) if f.ndim == 1 else f @ f.T
        np.testing.assert_allclose(approx, k.matrix(48), atol=1e-6)


def test_product_sampler_has_the_product_covariance():
    bank = [BaseKernel("periodic", period=7), BaseKernel("rbf", length_scale=0.1), BaseKernel("linear", sigma0=1.0)]
    facs = [_factor(k, 40, 1e-9) for k in bank]
    rank = int(np.prod([f.shape[1] for f in facs]))
    # images of the standard basis: Y Y^T is the covariance of the sampler
    y = _sample_product(facs, np.eye(rank))
    expected = bank[0].matrix(40) * bank[1].matrix(40) * bank[2].matrix(40)
    np.testing.assert_allclose(y @ y.T, expected, atol=1e-6)


def test_kernelsynth_expression_expansion():
    assert KernelSynth.expand_terms([0, 1, 2], [0, 1]) == [(0, 2), (1, 2)]
    assert KernelSynth.expand_terms([3, 1, 2], [1, 0]) == [(1, 3), (2,)]


def test_s2_expression_reevaluation_reproduces_series():
    gen = S2Generator(LENGTH)
    for sample in gen.samples(40, seed=2):
        assert np.isfinite(sample.series).all()
        assert np.abs(sample.series).max() <= gen.max_abs
        np.testing.assert_array_equal(evaluate_tokens(sample.tokens, sample.inputs), sample.series)
        np.testing.assert_array_equal(evaluate_infix(sample.expression, sample.inputs), sample.series)
        assert sample.inputs.shape[1] == LENGTH


def test_s2_rejects_exploding_expressions():
    # only pow3 and exp: many draws explode beyond max_abs and must be redrawn
    gen = S2Generator(64, unary_ops=["exp", "pow3"], max_unary=3, max_abs=50.0)
    x = gen.generate(30, seed=0)
    assert np.isfinite(x).all() and np.abs(x).max() <= 50.0


def test_evaluate_tokens_errors():
    with pytest.raises(ValueError, match="ends early"):
        evaluate_tokens(["add", "x_0"], np.ones((1, 3)))
    with pytest.raises(ValueError, match="left over"):
        evaluate_tokens(["x_0", "x_0"], np.ones((1, 3)))
    with pytest.raises(ValueError, match="missing input"):
        evaluate_tokens(["x_1"], np.ones((1, 3)))


def test_mixture_reproducible_across_batches_and_no_nan_without_missing():
    gens = {"ks": KernelSynth(LENGTH), "ck": CauKer(LENGTH), "s2": S2Generator(LENGTH)}
    mix = SyntheticMixture(gens, seed=4, min_length=16, mixup_prob=0.5)
    batch = mix.samples(np.arange(40))
    single = mix.sample(23)
    np.testing.assert_allclose(single["target"], batch[23]["target"], rtol=1e-6)
    chunked = list(mix.iter(0, 40, chunk_size=7))
    for a, b in zip(batch, chunked):
        np.testing.assert_allclose(a["target"], b["target"], rtol=1e-6)
    for s in batch:
        assert np.isfinite(s["target"]).all() and not s["mask"].any()
        assert 16 <= len(s["target"]) <= LENGTH
    assert {s["generator"] for s in batch} >= {"mixup"}
    other = SyntheticMixture(gens, seed=5, min_length=16, mixup_prob=0.5).sample(23)
    assert len(other["target"]) != len(single["target"]) or not np.allclose(other["target"], single["target"])


def test_mixture_missing_values_exactly_at_mask():
    mix = SyntheticMixture({"ks": KernelSynth(LENGTH)}, seed=0, missing_prob=1.0, max_missing_fraction=0.5)
    samples = mix.samples(np.arange(30))
    assert any(s["mask"].any() for s in samples)
    for s in samples:
        np.testing.assert_array_equal(np.isnan(s["target"]), s["mask"])


def test_iterable_dataset_workers_partition_the_indices():
    torch = pytest.importorskip("torch")
    from sktime_symbolic.synthetic import SyntheticIterableDataset

    mix = SyntheticMixture({"ks": KernelSynth(32)}, seed=1)
    ds = SyntheticIterableDataset(mix, n_samples=20, chunk_size=3)
    single = {s["index"]: s["target"] for s in ds}
    # simulate two workers by hand: chunk k goes to worker k % 2, so the workers differ
    seen = []
    for worker in range(2):
        info = type("Info", (), {"id": worker, "num_workers": 2})
        orig = torch.utils.data.get_worker_info
        torch.utils.data.get_worker_info = lambda info=info: info
        try:
            seen.append([s for s in ds])
        finally:
            torch.utils.data.get_worker_info = orig
    idx0 = {s["index"] for s in seen[0]}
    idx1 = {s["index"] for s in seen[1]}
    assert idx0.isdisjoint(idx1) and idx0 | idx1 == set(range(20))
    for s in seen[0] + seen[1]:
        np.testing.assert_array_equal(s["target"], single[s["index"]])
    assert not np.allclose(seen[0][0]["target"], seen[1][0]["target"])


def test_shards_roundtrip(tmp_path):
    gen = CauKer(32, n_nodes=4, n_emit=2)
    write_shards(gen, 7, tmp_path, seed=3, shard_size=3, progress=False)
    data = read_shards(tmp_path)
    np.testing.assert_array_equal(data["indices"], np.arange(7))
    np.testing.assert_allclose(data["series"], gen.generate(7, seed=3).astype(np.float32))
    s2_dir = tmp_path / "s2"
    write_shards(S2Generator(32), 4, s2_dir, progress=False)
    s2 = read_shards(s2_dir)
    assert len(s2["expressions"]) == 4 and s2["tokens"][0].split()
    with pytest.raises(ValueError, match="meta.json"):
        read_shards(tmp_path / "nowhere")


def test_cli_writes_shards(tmp_path):
    from sktime_symbolic.synthetic.__main__ import main

    assert main(["write", "--generator", "kernelsynth", "--n", "5", "--length", "16",
                 "--out", str(tmp_path), "--seed", "0"]) == 0
    assert read_shards(tmp_path)["series"].shape == (5, 16)


@pytest.mark.parametrize("make, match", [
    (lambda: KernelSynth(4), "length"),
    (lambda: KernelSynth(64, max_kernels=6), "max_kernels"),
    (lambda: KernelSynth(64, kernel_bank=[]), "kernel_bank"),
    (lambda: BaseKernel("cosine"), "kind"),
    (lambda: BaseKernel("periodic", period=0), "period"),
    (lambda: CauKer(64, n_nodes=3, max_roots=3), "max_roots"),
    (lambda: CauKer(64, n_nodes=3, max_roots=1, n_emit=4), "n_emit"),
    (lambda: S2Generator(64, unary_ops=["sinh"]), "unary_ops"),
    (lambda: S2Generator(64, input_kinds=["brownian"]), "input_kinds"),
    (lambda: S2Generator(64, max_abs=np.inf), "max_abs"),
    (lambda: KernelSynth(64).generate(-1), "n must"),
    (lambda: KernelSynth(64).generate(2, seed=-1), "seed"),
    (lambda: KernelSynth(64).generate_at([1.5]), "integers"),
    (lambda: SyntheticMixture({}), "non-empty"),
    (lambda: SyntheticMixture({"ks": KernelSynth(64)}, weights={"x": 1.0}), "keys"),
    (lambda: SyntheticMixture({"ks": KernelSynth(64)}, weights={"ks": -1.0}), "non-negative"),
    (lambda: SyntheticMixture({"ks": KernelSynth(64)}, max_length=100), "max_length"),
    (lambda: SyntheticMixture({"ks": KernelSynth(64)}, missing_prob=1.5), "missing_prob"),
])
def test_bad_parameters_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_summary_statistics():
    t = np.arange(512)
    sine = np.sin(2 * np.pi * t / 32)
    noise = np.random.default_rng(0).standard_normal(512)
    assert spectral_entropy(sine) < 0.1 < 0.8 < spectral_entropy(noise)
    assert trend_strength(t * 0.01 + 0.01 * noise) > 0.95 > 0.2 > trend_strength(noise)
    assert lag1_autocorrelation(sine) > 0.95 and abs(lag1_autocorrelation(noise)) < 0.15
    with pytest.raises(ValueError, match="NaN"):
        spectral_entropy(np.array([np.nan] * 10))
    with pytest.raises(ValueError, match="short"):
        lag1_autocorrelation(np.ones(3))
