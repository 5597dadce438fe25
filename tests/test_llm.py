"""Tests of LLM-ABBA (sktime_symbolic.llm): the text codec, LoRA fine-tuning and adapters, the estimators.

Every model is tiny and built here from a config; tokenizers are made locally with ``tokenizers``;
models are saved to a temporary directory and loaded the way a user loads a local model.
"""

import numpy as np
import pandas as pd
import pytest

transformers = pytest.importorskip("transformers")
pytest.importorskip("peft")

import torch  # noqa: E402
from sktime.utils.estimator_checks import check_estimator  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig, PreTrainedTokenizerFast  # noqa: E402

from sktime_symbolic.llm import (  # noqa: E402
    LLMABBAClassifier,
    LLMABBAForecaster,
    SymbolTokenCodec,
    single_token_ids,
    word_level_tokenizer,
)
from sktime_symbolic.llm.lora import (  # noqa: E402
    fine_tune,
    load_adapter,
    load_base_model,
    load_tokenizer,
    lora_model,
    mean_loss,
    save_adapter,
)
from sktime_symbolic.model.pretrain import training_precision  # noqa: E402

CPU = torch.device("cpu")
TEXTS = ["the quick brown fox jumps over the lazy dog", "Forecast the symbols that follow:",
         "Classify the time series from its symbols:", "0123456789 abcdefghijklmnopqrstuvwxyz ;,.!?"] * 20


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # two xdist workers share two cores: more torch threads per worker only contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def bpe_tokenizer(vocab_size=320):
    """A GPT-2-style byte-level BPE tokenizer trained on a few strings (eos, no pad token)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(TEXTS, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A one-layer GPT-2 with a BPE tokenizer, saved as a user's local model directory."""
    directory = tmp_path_factory.mktemp("tiny-gpt2")
    tok = bpe_tokenizer()
    config = GPT2Config(n_layer=1, n_embd=32, n_head=2, n_positions=256, vocab_size=len(tok),
                        bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config).save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory


def waves(n, length=64, seed=0):
    """Noisy sines (label "sine") and square waves (label "square") of random period and phase."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    X, y = [], []
    for i in range(n):
        wave = np.sin(2 * np.pi * t / rng.uniform(12, 24) + rng.uniform(0, 2 * np.pi))
        square = i % 2 == 1
        X.append((np.sign(wave) if square else wave) + 0.05 * rng.standard_normal(length))
        y.append("square" if square else "sine")
    return np.asarray(X)[:, None, :], np.asarray(y)


def seasonal(n=200, level=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return level + np.sin(2 * np.pi * np.arange(n) / 20) + 0.05 * rng.standard_normal(n)


# ---------------------------------------------------------------- the codec


def test_symbol_token_mapping_is_a_bijection_of_single_tokens():
    tok = bpe_tokenizer()
    series = [seasonal(seed=s) for s in range(3)]
    codec = SymbolTokenCodec(tok, alpha=0.2, task="Forecast the symbols that follow:")
    ids = codec.fit_encode(series)
    n = codec.n_symbols
    assert n > 5
    # one token per symbol, distinct, and back
    assert np.unique(codec.token_ids_).shape[0] == n
    np.testing.assert_array_equal(codec.codes(codec.token_ids_), np.arange(n))
    assert len(set(codec.symbols_)) == n
    for token_id in codec.token_ids_:
        text = tok.decode([int(token_id)])
        assert tok.encode(text, add_special_tokens=False) == [int(token_id)]
    # ids of the encoded series are the JABBA codes through the map, nothing else
    rep = codec.transform(series)
    for codes, series_ids in zip(rep, ids):
        np.testing.assert_array_equal(codec.token_ids_[codes], series_ids)
        np.testing.assert_array_equal(codec.codes(series_ids), codes)
    # never a prompt, separator or special token
    reserved = set(codec.task_ids_) | set(codec.separator_ids_) | set(tok.all_special_ids)
    assert not reserved & set(codec.token_ids_.tolist())
    assert codec.fixed_point


def test_symbols_stay_one_token_whatever_their_neighbours():
    # a BPE tokenizer merges characters: a prompt is built from ids, not by tokenizing joined symbol text
    tok = bpe_tokenizer()
    codec = SymbolTokenCodec(tok, alpha=0.2).fit([seasonal()])
    ids = codec.encode([seasonal(seed=1)])[0]
    prompt = codec.prompt([ids])
    assert prompt[:len(codec.task_ids_)] == codec.task_ids_
    assert prompt[-len(codec.separator_ids_):] == codec.separator_ids_
    assert prompt[len(codec.task_ids_):-len(codec.separator_ids_)] == ids.tolist()
    assert codec.text(prompt).endswith(";")


def test_first_single_token_entries_in_id_order():
    tok = word_level_tokenizer(20, ["go:"])
    found = single_token_ids(tok, exclude=tok.encode("go:", add_special_tokens=False))
    assert found == list(range(6, 20))
    assert single_token_ids(tok, n=3) == [4, 5, 6]


def test_continuation_starts_at_the_last_value_and_reaches_the_symbol_levels():
    tok = word_level_tokenizer(200, [";"])
    history = 100 + 10 * seasonal(seed=2)
    codec = SymbolTokenCodec(tok, alpha=0.2).fit([history])
    rep = codec.transform([history])
    loc, scale = rep.loc[0], rep.scale[0]
    code = 1
    length = int(round(codec.lengths_[code]))
    level = codec.jabba_.centers_[code, 1] * scale + loc
    generation = [codec.token_ids_[code]] * 3
    values = codec.decode_continuation(history, generation, 2 * length)
    assert values.shape == (2 * length,)
    # the chain goes from the last observed value straight to the symbol's level (fixed point)
    np.testing.assert_allclose(values[0], history[-1] + (level - history[-1]) / length)
    np.testing.assert_allclose(values[length - 1], level)
    # repeating a fixed-point symbol stays at its level: no cumulative drift
    np.testing.assert_allclose(values[2 * length - 1], level)


def test_ids_that_are_not_symbols_are_skipped_and_a_generation_without_symbol_raises():
    tok = word_level_tokenizer(100, [";"])
    codec = SymbolTokenCodec(tok, alpha=0.3).fit([seasonal()])
    symbol = int(codec.token_ids_[0])
    np.testing.assert_array_equal(codec.codes([codec.pad_id_, symbol, tok.eos_token_id, 10 ** 6]), [0])
    with pytest.raises(ValueError, match="the generation yields no symbol"):
        codec.codes([tok.eos_token_id, codec.pad_id_] + codec.separator_ids_)
    with pytest.raises(ValueError, match="the generation yields no symbol"):
        codec.decode_continuation(seasonal(), [codec.pad_id_], 3)
    with pytest.raises(ValueError, match="cover .* fewer than the horizon"):
        codec.decode_continuation(seasonal(), [symbol], 1000)


def test_too_few_single_token_entries_is_a_clear_error():
    tok = word_level_tokenizer(8, [";"])  # 4 special tokens, ';' and only 3 free entries
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"only 3 single-token vocabulary entries .* needs \d+ symbols"):
        SymbolTokenCodec(tok, alpha=0.05).fit([np.cumsum(rng.standard_normal(300))])


def test_user_alphabet_must_be_single_token_entries():
    tok = bpe_tokenizer()
    series = [seasonal()]
    n = SymbolTokenCodec(tok, alpha=0.5).fit(series).n_symbols
    letters = list("abcdefghijklmnopqrstuvwxyz")[:n]
    codec = SymbolTokenCodec(tok, alpha=0.5, alphabet=letters).fit(series)
    assert codec.symbols_ == [tok.convert_ids_to_tokens(tok.encode(s)[0]) for s in letters]
    with pytest.raises(ValueError, match="not a single-token vocabulary entry"):
        SymbolTokenCodec(tok, alpha=0.5, alphabet=["the quick brown"] * n).fit(series)
    with pytest.raises(ValueError, match="alphabet has 1 strings"):
        SymbolTokenCodec(tok, alpha=0.5, alphabet=["a"]).fit(series)


@pytest.mark.parametrize("bad, match", [
    ([np.array([1.0, np.nan, 2.0])], "contains NaN"),
    ([np.array([1.0, np.inf, 2.0])], "contains inf"),
    ([], "non-empty list"),
    ([np.array([1.0])], "at least 2 values"),
])
def test_codec_rejects_bad_series(bad, match):
    with pytest.raises(ValueError, match=match):
        SymbolTokenCodec(word_level_tokenizer(50, [";"])).fit(bad)


def test_codec_rejects_bad_parameters():
    tok = word_level_tokenizer(50, [";"])
    with pytest.raises(ValueError, match="tol must be > 0"):
        SymbolTokenCodec(tok, tol=0).fit([seasonal()])
    with pytest.raises(ValueError, match="separator '' tokenizes to no id"):
        SymbolTokenCodec(tok, separator="").fit([seasonal()])
    with pytest.raises(ValueError, match="tokenizer must be a transformers tokenizer"):
        SymbolTokenCodec("gpt2").fit([seasonal()])


# ---------------------------------------------------------------- LoRA, fine-tuning, adapters


def _lm_batches(codec, series, n=2, width=40):
    batches = []
    for i in range(n):
        rows = [codec.prompt([ids[j * width:(j + 1) * width]]) for j, ids in enumerate(codec.encode(series))]
        rows = [r for r in rows if len(r) > 2]
        w = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), w), codec.pad_id_)
        mask = torch.zeros((len(rows), w), dtype=torch.long)
        for k, r in enumerate(rows):
            input_ids[k, :len(r)] = torch.as_tensor(r)
            mask[k, :len(r)] = 1
        labels = torch.where(mask.bool(), input_ids, torch.full_like(input_ids, -100))
        batches.append({"input_ids": input_ids, "attention_mask": mask, "labels": labels})
    return batches


@pytest.fixture(scope="module")
def tuned(model_dir):
    """A LoRA model of the local GPT-2 fine-tuned for 30 steps: (model, codec, batches, loss before, base copy)."""
    tok = load_tokenizer(model_dir)
    series = [seasonal(seed=s) for s in range(4)]
    codec = SymbolTokenCodec(tok, alpha=0.3).fit(series)
    base, quantized = load_base_model(model_dir, "causal-lm", tok, CPU, seed=0)
    assert not quantized
    frozen = {k: v.clone() for k, v in base.state_dict().items()}
    model = lora_model(base, "causal-lm", codec.token_ids_, r=4)
    batches = _lm_batches(codec, series)
    before = mean_loss(model, batches, CPU)
    losses = fine_tune(model, lambda i: batches[i % len(batches)], 30, CPU, lr=1e-2, seed=0)
    return model, codec, batches, before, frozen, losses


def test_a_few_lora_steps_lower_the_loss(tuned):
    model, _, batches, before, _, losses = tuned
    assert len(losses) == 30
    after = mean_loss(model, batches, CPU)
    assert after < 0.8 * before, (before, after)


def test_lora_trains_adapters_and_symbol_embeddings_only(tuned):
    model, _, _, _, frozen, _ = tuned
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name or "trainable_tokens" in name for name in trainable)
    # the base model's own tensors are untouched by training
    state = model.get_base_model().state_dict()
    for key, value in frozen.items():
        # peft keeps a wrapped layer's own weights under base_layer (token_adapter.base_layer for embeddings)
        module, _, leaf = key.rpartition(".")
        candidates = [key, f"{module}.base_layer.{leaf}", f"{module}.token_adapter.base_layer.{leaf}"]
        found = [c for c in candidates if c in state]
        assert found, key
        assert torch.equal(state[found[0]], value), key


def test_adapters_save_and_load_apart_from_the_base_model(tuned, model_dir, tmp_path):
    model, codec, batches, *_ = tuned
    directory = save_adapter(model, tmp_path / "adapter", codec)
    files = {p.name for p in directory.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors"} <= files
    assert not files & {"model.safetensors", "pytorch_model.bin"}
    adapter_bytes = (directory / "adapter_model.safetensors").stat().st_size
    assert adapter_bytes < (model_dir / "model.safetensors").stat().st_size
    fresh, _ = load_base_model(model_dir, "causal-lm", codec.tokenizer, CPU, seed=0)
    loaded = load_adapter(fresh, directory)
    with torch.no_grad():
        expected = model(input_ids=batches[0]["input_ids"]).logits
        got = loaded(input_ids=batches[0]["input_ids"]).logits
    torch.testing.assert_close(got, expected)


def test_checkpoints_hold_the_trainable_weights_and_resume(model_dir, tmp_path):
    tok = load_tokenizer(model_dir)
    codec = SymbolTokenCodec(tok, alpha=0.3).fit([seasonal()])
    batches = _lm_batches(codec, [seasonal()], n=1)
    base, _ = load_base_model(model_dir, "causal-lm", tok, CPU)
    model = lora_model(base, "causal-lm", codec.token_ids_, r=2)
    fine_tune(model, lambda i: batches[0], 4, CPU, checkpoint_dir=tmp_path)
    last = tmp_path / "last.ckpt"
    assert last.is_file()
    # tensors and plain values only: it loads weights-only, as fine_tune's resume reads it
    checkpoint = torch.load(last, map_location="cpu", weights_only=True)
    assert checkpoint["global_step"] == 4
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert {k.removeprefix("model.") for k in checkpoint["state_dict"]} == trainable
    losses = fine_tune(model, lambda i: batches[0], 6, CPU, checkpoint_dir=tmp_path / "resumed", resume_from=last)
    assert len(losses) == 2


def test_unknown_model_path_is_never_downloaded(tmp_path):
    with pytest.raises(ValueError, match="'gpt2' is not a local directory. LLM-ABBA never downloads"):
        load_tokenizer("gpt2")
    with pytest.raises(ValueError, match="has no config.json"):
        load_base_model(tmp_path, "causal-lm", word_level_tokenizer(20), CPU)
    with pytest.raises(ValueError, match="must be a local directory .* or a transformers config"):
        load_tokenizer(42)


def test_qlora_needs_cuda_and_bitsandbytes(model_dir):
    tok = load_tokenizer(model_dir)
    with pytest.raises(ValueError, match="qlora=True needs a CUDA device"):
        load_base_model(model_dir, "causal-lm", tok, CPU, qlora=True)
    with pytest.raises(ValueError, match="qlora must be one of"):
        load_base_model(model_dir, "causal-lm", tok, CPU, qlora="yes")


def test_fine_tuning_runs_in_bf16_on_a_gpu_that_supports_it(monkeypatch):
    cuda = torch.device("cuda", 0)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    assert training_precision(cuda) == "bf16-mixed"
    assert training_precision(CPU) == "32-true"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: False)
    assert training_precision(cuda) == "32-true"


def test_tokenizer_larger_than_the_model_vocabulary_is_an_error():
    config = GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=16)
    with pytest.raises(ValueError, match="the tokenizer has 40 entries but the model embeds only 16"):
        load_base_model(config, "causal-lm", word_level_tokenizer(40), CPU)


# ---------------------------------------------------------------- the estimators

# sktime's checks fit hundreds of times (once per series of every panel scenario): the first parameter
# set (no training steps) runs all of them; the second (one training step) runs those where a trained
# state matters: determinism, copies, pickling, side effects, the probabilistic outputs
_TRAINED_STATE_CHECKS = ["test_fit_idempotent", "test_methods_have_no_side_effects", "test_persistence_via_pickle",
                         "test_deepcopy_fitted_predict", "test_predict_quantiles", "test_classifier_output"]


@pytest.mark.parametrize("estimator_class", [LLMABBAForecaster, LLMABBAClassifier], ids=lambda c: c.__name__)
@pytest.mark.parametrize("i", [0, 1])
def test_passes_sktime_check_estimator(estimator_class, i):
    params = estimator_class.get_test_params()[i]
    assert params["fine_tune_steps"] == i
    results = check_estimator(estimator_class(**params), raise_exceptions=True, verbose=False,
                              tests_to_run=_TRAINED_STATE_CHECKS if i else None)
    assert results and all(v == "PASSED" for v in results.values())
    if i:
        assert {name.split("[")[0] for name in results} >= {"test_fit_idempotent", "test_persistence_via_pickle"}


def _forecaster(model, **params):
    defaults = dict(alpha=0.3, context_symbols=24, target_symbols=8, n_samples=8, lora_r=4, batch_size=4,
                    fine_tune_steps=10, fine_tune_lr=5e-3, device="cpu")
    return LLMABBAForecaster(model, **{**defaults, **params})


@pytest.fixture(scope="module")
def fitted_forecaster(model_dir):
    y = pd.Series(seasonal(level=50.0), index=pd.period_range("2000-01", periods=200, freq="M"))
    return _forecaster(model_dir).fit(y), y


def test_forecast_has_the_horizon_and_its_first_value_continues_the_series(fitted_forecaster):
    forecaster, y = fitted_forecaster
    prediction = forecaster.predict(fh=np.arange(1, 13))
    assert prediction.shape == (12,)
    assert prediction.index.equals(pd.period_range("2016-09", periods=12, freq="M"))
    assert np.isfinite(prediction).all()
    paths, generations = forecaster.sample_paths(12, return_ids=True)
    codec = forecaster.codec_
    rep = codec.transform([y.to_numpy()])
    for path, ids in zip(paths, generations):
        first = codec.codes(ids)[0]
        level = codec.jabba_.centers_[first, 1] * rep.scale[0] + rep.loc[0]
        length = int(round(codec.lengths_[first]))
        # the first step lies on the line from the last observation to the first generated level
        np.testing.assert_allclose(path[0], y.iloc[-1] + (level - y.iloc[-1]) / length)
        np.testing.assert_array_equal(path, codec.decode_continuation(y.to_numpy(), ids, 12))
    # the point forecast is the median of the sampled paths
    np.testing.assert_allclose(prediction.to_numpy(), np.median(paths, axis=0))


def test_generation_masks_every_id_that_is_not_a_symbol(fitted_forecaster):
    forecaster, _ = fitted_forecaster
    codec = forecaster.codec_
    symbols = set(codec.allowed_ids().tolist())
    assert symbols == set(codec.token_ids_.tolist())
    _, generations = forecaster.sample_paths(24, return_ids=True)
    for ids in generations:
        ids = ids.tolist()
        n = next((k for k, i in enumerate(ids) if i not in symbols), len(ids))
        assert n > 0, ids
        # a sequence whose symbols cover the horizon stops; generate pads it to the longest one
        assert all(i == codec.pad_id_ for i in ids[n:]), ids


def test_sampled_continuations_give_quantiles_and_intervals(fitted_forecaster):
    forecaster, _ = fitted_forecaster
    fh = [1, 3, 6]
    quantiles = forecaster.predict_quantiles(fh=fh, alpha=[0.1, 0.5, 0.9])
    assert quantiles.shape == (3, 3)
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()
    assert (quantiles.iloc[:, 2] > quantiles.iloc[:, 0]).any()  # samples differ
    np.testing.assert_allclose(quantiles.iloc[:, 1].to_numpy(), forecaster.predict(fh=fh).to_numpy())
    interval = forecaster.predict_interval(fh=fh, coverage=0.8)
    np.testing.assert_allclose(interval.to_numpy(), quantiles.iloc[:, [0, 2]].to_numpy())


def test_same_seed_same_forecast(model_dir):
    y = pd.Series(seasonal(seed=4))
    a = _forecaster(model_dir, random_state=7, fine_tune_steps=3).fit(y).predict_quantiles(fh=[1, 2, 5])
    b = _forecaster(model_dir, random_state=7, fine_tune_steps=3).fit(y).predict_quantiles(fh=[1, 2, 5])
    c = _forecaster(model_dir, random_state=8, fine_tune_steps=3).fit(y).predict_quantiles(fh=[1, 2, 5])
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.to_numpy(), c.to_numpy())


def test_fine_tuning_lowers_the_forecaster_loss(fitted_forecaster):
    losses = fitted_forecaster[0].losses_
    assert len(losses) == 10
    assert np.mean(losses[-3:]) < np.mean(losses[:3])


def test_forecaster_adapter_round_trip(fitted_forecaster, model_dir, tmp_path):
    forecaster, y = fitted_forecaster
    directory = forecaster.save_adapter(tmp_path / "adapter")
    loaded = _forecaster(model_dir, adapter=directory, fine_tune_steps=0, alpha=0.9, task="other").fit(y)
    assert loaded.losses_ == []
    np.testing.assert_array_equal(loaded.codec_.token_ids_, forecaster.codec_.token_ids_)
    pd.testing.assert_series_equal(loaded.predict(fh=[1, 2, 3]), forecaster.predict(fh=[1, 2, 3]))


@pytest.fixture(scope="module")
def saved_adapter(fitted_forecaster, tmp_path_factory):
    return fitted_forecaster[0].save_adapter(tmp_path_factory.mktemp("shared") / "adapter")


def _load_adapter_into_forecaster(model_dir, directory):
    return _forecaster(model_dir, adapter=directory, fine_tune_steps=0).fit(pd.Series(seasonal(level=50.0)))


class _RunsCode:
    """Unpickling this creates ``marker``: proof that a loader ran code from a file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def test_adapter_files_are_data_only(saved_adapter):
    files = {p.name for p in saved_adapter.iterdir()}
    assert {"symbol_codec.json", "symbol_codec.npz", "tokenizer.json", "adapter_config.json",
            "adapter_model.safetensors"} <= files
    assert not [name for name in files if name.endswith((".pkl", ".bin", ".pt", ".ckpt"))]


def test_a_pickled_codec_is_refused_unread(model_dir, saved_adapter, tmp_path):
    import pickle
    import shutil

    directory, marker = tmp_path / "adapter", tmp_path / "code-ran"
    shutil.copytree(saved_adapter, directory)
    # a directory that only holds a pickled codec (the format of earlier versions, or a tampered one)
    for name in ("symbol_codec.json", "symbol_codec.npz"):
        (directory / name).unlink()
    (directory / "symbol_codec.pkl").write_bytes(pickle.dumps(_RunsCode(marker)))
    with pytest.raises(ValueError) as error:
        _load_adapter_into_forecaster(model_dir, directory)
    assert str(error.value) == (f"adapter directory {str(directory)!r} holds symbol_codec.pkl, the pickled codec of an "
                                "earlier version, whose format is not supported (unpickling a file runs code from "
                                "it): fit again and save_adapter")
    assert not marker.exists()


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _npz_of_objects(path, marker):
    # an object array is stored pickled: np.load(allow_pickle=True) would create the marker
    with np.load(path) as data:
        arrays = dict(data)
    arrays["token_ids"] = np.array([_RunsCode(marker)], dtype=object)
    np.savez(path, **arrays)


def _swap_symbols(path):
    import json

    saved = json.loads(path.read_text())
    saved["fitted"]["symbols"] = saved["fitted"]["symbols"][::-1]
    path.write_text(json.dumps(saved))


def _short_centers(path):
    with np.load(path) as data:
        arrays = dict(data)
    arrays["centers"] = arrays["centers"][:-1]
    np.savez(path, **arrays)


@pytest.mark.parametrize("name, tamper, problem", [
    ("tokenizer.json", _truncate, "is corrupt: EOF while parsing"),
    ("tokenizer_config.json", _truncate, "is corrupt: JSONDecodeError"),
    ("adapter_config.json", _truncate, "is corrupt: JSONDecodeError"),
    ("adapter_model.safetensors", _truncate, "is corrupt: Error while deserializing header"),
    ("symbol_codec.json", _truncate, "is not a valid saved symbol codec: JSONDecodeError"),
    ("symbol_codec.json", _swap_symbols, "its symbols are not the tokenizer's entries of the saved token ids"),
    ("symbol_codec.npz", _truncate, "is corrupt: BadZipFile"),
    ("symbol_codec.npz", _short_centers, "holds tables that do not fit together"),
    ("symbol_codec.npz", "objects", "is corrupt: ValueError: Object arrays cannot be loaded when allow_pickle=False"),
])
def test_a_damaged_adapter_file_is_a_value_error_naming_it(model_dir, saved_adapter, tmp_path, name, tamper, problem):
    import shutil

    directory, marker = tmp_path / "adapter", tmp_path / "code-ran"
    shutil.copytree(saved_adapter, directory)
    if tamper == "objects":
        _npz_of_objects(directory / name, marker)
    else:
        tamper(directory / name)
    with pytest.raises(ValueError) as error:
        _load_adapter_into_forecaster(model_dir, directory)
    assert str(error.value).startswith(f"{directory / name}") and problem in str(error.value)
    assert not marker.exists()


def test_a_pickle_beside_the_codec_files_is_never_read(model_dir, saved_adapter, tmp_path):
    import pickle
    import shutil

    directory, marker = tmp_path / "adapter", tmp_path / "code-ran"
    shutil.copytree(saved_adapter, directory)
    for name in ("symbol_codec.pkl", "adapter_model.bin", "training_args.bin"):
        (directory / name).write_bytes(pickle.dumps(_RunsCode(marker)))
    _load_adapter_into_forecaster(model_dir, directory)
    assert not marker.exists()


def test_codec_save_and_load_give_the_same_symbols_and_values(tmp_path):
    tok = word_level_tokenizer(200, ["Forecast:", ";"])
    series = [seasonal(seed=s) for s in range(3)]
    for fixed_point in (True, False):
        codec = SymbolTokenCodec(tok, alpha=0.1, task="Forecast:", fixed_point=fixed_point).fit(series)
        loaded = SymbolTokenCodec.load(codec.save(tmp_path / str(fixed_point)), tok)
        new = seasonal(n=150, seed=7)
        ids = codec.encode([new])[0]
        np.testing.assert_array_equal(loaded.encode([new])[0], ids)
        np.testing.assert_array_equal(loaded.decode_continuation(new, ids[:10], 8),
                                      codec.decode_continuation(new, ids[:10], 8))
        assert loaded.prompt([ids[:4]]) == codec.prompt([ids[:4]]) and loaded.symbols_ == codec.symbols_


@pytest.mark.parametrize("estimator_class", [LLMABBAForecaster, LLMABBAClassifier])
@pytest.mark.parametrize("device", ["cuda", "mps", "cuda:7"])
def test_a_device_this_machine_lacks_is_refused_before_the_model_loads(estimator_class, device, monkeypatch):
    from sktime_symbolic.llm import lora

    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda check_available=False: None)
    monkeypatch.setattr(lora, "load_base_model", lambda *a, **k: pytest.fail("the model was loaded"))
    X, y = waves(6, length=48)
    params = estimator_class.get_test_params()[0]
    with pytest.raises(ValueError) as error:
        if estimator_class is LLMABBAForecaster:
            estimator_class(**{**params, "device": device}).fit(pd.Series(seasonal()))
        else:
            estimator_class(**{**params, "device": device}).fit(X, y)
    assert str(error.value) == (f"device: {device!r} is not available on this machine (torch sees no accelerator); "
                                "use 'cpu' or 'auto'")


def _daily(values, start="2020-01-01"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"))


@pytest.mark.parametrize("times, message", [
    (pd.date_range("2020-01-01", periods=200, freq="D").delete(100).append(pd.DatetimeIndex(["2021-01-01"])),
     "the time index of y has no regular frequency (none set and none can be inferred): its first step is 1 days "
     "00:00:00, the step at 2020-04-09 00:00:00 is 2 days 00:00:00"),
    (pd.date_range("2020-01-01", periods=199, freq="D").append(pd.DatetimeIndex(["2020-07-17"])),
     "the time index of y repeats 2020-07-17 00:00:00: each time point must appear once"),
])
def test_forecaster_refuses_an_irregular_or_repeated_time_index_at_fit(times, message):
    params = LLMABBAForecaster.get_test_params()[0]
    with pytest.raises(ValueError) as error:
        LLMABBAForecaster(**params).fit(pd.Series(seasonal(), index=times), fh=[1, 2])
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("new, message", [
    (_daily([1.0, np.inf], "2020-07-19"), "y contains inf"),
    (_daily([1.0, np.nan], "2020-07-19"), "cannot handle missing data"),
    (_daily([1.0], "2020-08-01"), "the time index of the history updated with y has no regular frequency"),
])
def test_forecaster_refuses_a_bad_update_and_keeps_its_state(new, message):
    forecaster = LLMABBAForecaster(**LLMABBAForecaster.get_test_params()[0]).fit(_daily(seasonal()), fh=[1, 2])
    expected, cutoff = forecaster.predict(), forecaster.cutoff
    with pytest.raises(ValueError, match=message):
        forecaster.update(new, update_params=False)
    assert forecaster.cutoff.equals(cutoff)
    pd.testing.assert_series_equal(forecaster.predict(), expected)


def test_device_auto_and_the_progress_bar(model_dir, capsys):
    y = pd.Series(seasonal())
    forecaster = _forecaster(model_dir, device="auto", progress=True, fine_tune_steps=2).fit(y)
    assert forecaster.device_.type == ("cuda" if torch.cuda.is_available() else "cpu")
    shown = capsys.readouterr()
    assert "train_loss" in shown.out + shown.err
    _forecaster(model_dir, fine_tune_steps=2).fit(y)
    quiet = capsys.readouterr()
    assert "train_loss" not in quiet.out + quiet.err


def test_forecaster_update_moves_the_forecast_origin(fitted_forecaster):
    import copy

    forecaster, y = fitted_forecaster
    updated = copy.deepcopy(forecaster)
    new = pd.Series(seasonal(n=10, level=50.0, seed=9), index=pd.period_range(y.index[-1] + 1, periods=10, freq="M"))
    updated.update(new, update_params=False)
    prediction = updated.predict(fh=[1, 2])
    assert prediction.index[0] == new.index[-1] + 1
    assert updated.losses_ == forecaster.losses_


@pytest.mark.parametrize("params, match", [
    (dict(model="gpt2"), "'gpt2' is not a local directory. LLM-ABBA never downloads"),
    (dict(n_samples=0), "n_samples must be a positive integer"),
    (dict(temperature=0), "temperature must be > 0"),
    (dict(alpha=-1), "alpha must be > 0"),
    (dict(qlora="always"), "qlora must be one of"),
    (dict(lora_dropout=1.0), r"lora_dropout must be in \[0, 1\)"),
    (dict(fine_tune_steps=-1), "fine_tune_steps must be >= 0"),
    (dict(device="no-such-device"), "device:"),
    (dict(target_modules=[]), "target_modules must be"),
    # 4 special tokens, the 6 words of the task and the separator leave 3 entries of 14 for symbols
    (dict(model=GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=14)),
     "only 3 single-token vocabulary entries free for symbols"),
])
def test_forecaster_bad_parameters(model_dir, params, match):
    model = params.pop("model", model_dir)
    with pytest.raises(ValueError, match=match):
        _forecaster(model, **params).fit(pd.Series(seasonal()))


def test_forecaster_rejects_a_prompt_longer_than_the_model(model_dir):
    with pytest.raises(ValueError, match="needs .* token positions, but the model has 256"):
        _forecaster(model_dir, context_symbols=300).fit(pd.Series(seasonal(n=3000)))


@pytest.fixture(scope="module")
def llama_classifier():
    """A classifier over a tiny Llama from its config (word-level tokenizer) on sines vs square waves."""
    config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=2, vocab_size=200, max_position_embeddings=256)
    X, y = waves(40, seed=0)
    clf = LLMABBAClassifier(config, alpha=0.3, lora_r=4, fine_tune_steps=40, fine_tune_lr=1e-2, batch_size=8,
                            device="cpu", random_state=0).fit(X, y)
    return clf


def test_classifier_learns_sines_from_square_waves(llama_classifier):
    X_test, y_test = waves(30, seed=1)
    accuracy = (llama_classifier.predict(X_test) == y_test).mean()
    assert accuracy >= 0.8, accuracy
    proba = llama_classifier.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(llama_classifier.classes_[proba.argmax(axis=1)], llama_classifier.predict(X_test))
    assert llama_classifier.losses_[-1] < llama_classifier.losses_[0]


def test_classifier_reads_multivariate_series_channel_by_channel(model_dir):
    X, y = waves(8, seed=2)
    X2 = np.concatenate([X, X[:, :, ::-1] * 2], axis=1)
    clf = LLMABBAClassifier(model_dir, alpha=0.3, lora_r=2, fine_tune_steps=2, device="cpu").fit(X2, y)
    codec = clf.codec_
    prompt = clf._prompts(clf._channels(X2[:1]))[0]
    first, second = codec.encode([X2[0, 0], X2[0, 1]])
    sep = codec.separator_ids_
    assert prompt == codec.task_ids_ + first.tolist() + sep + second.tolist() + sep
    assert clf.predict(X2).shape == (8,)
    with pytest.raises(ValueError, match="X has 1 channels, but the classifier was fitted on 2"):
        clf.predict(X)


def test_classifier_batch_composition_does_not_change_predictions(llama_classifier):
    X_test, _ = waves(9, seed=3)
    together = llama_classifier.predict_proba(X_test)
    apart = np.concatenate([llama_classifier.predict_proba(X_test[:2]), llama_classifier.predict_proba(X_test[2:])])
    np.testing.assert_allclose(apart, together, atol=1e-5)


def test_classifier_rejects_missing_values_and_hub_ids(model_dir):
    X, y = waves(4, seed=4)
    with pytest.raises(ValueError, match="'meta-llama/Llama-2-7b' is not a local directory"):
        LLMABBAClassifier("meta-llama/Llama-2-7b", device="cpu").fit(X, y)
    X[1, 0, 3] = np.nan
    # sktime refuses missing values before _fit (capability:missing_values is False)
    with pytest.raises(ValueError, match="has missing values"):
        LLMABBAClassifier(model_dir, device="cpu").fit(X, y)


def test_importing_the_package_needs_neither_transformers_nor_peft():
    import subprocess
    import sys

    # None in sys.modules makes every import of these names fail, as if they were not installed
    code = ("import sys; sys.modules['transformers'] = sys.modules['peft'] = None; import sktime_symbolic, "
            "sktime_symbolic.llm; from sktime_symbolic.llm import LLMABBAForecaster; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
