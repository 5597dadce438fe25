"""Zero-shot GluonTS predictor over the symbolic foundation model."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from gluonts.core.component import validated
from gluonts.core.serde import decode, dump_json
from gluonts.model.forecast import QuantileForecast, SampleForecast
from gluonts.model.predictor import Predictor, RepresentablePredictor

from sktime_symbolic.model import DEFAULT_MODEL, QUANTILE_LEVELS, QuantilePipeline, load_pretrained
from sktime_symbolic.model._adapters import (
    check_device,
    check_forecastable,
    check_model_name,
    check_seed,
    forecast_quantiles,
    load_shared_model,
    pipeline_from_state,
)
from sktime_symbolic.model._checks import check_positive_int, check_series
from sktime_symbolic.model.experts import season_length

FORECAST_KEYS = [str(level) for level in QUANTILE_LEVELS] + ["mean"]
FORECAST_TYPES = ("quantiles", "samples")
# fields of an entry that would carry information this model cannot use
DYNAMIC_FIELDS = ("feat_dynamic_real", "past_feat_dynamic_real", "feat_dynamic_cat", "past_feat_dynamic_cat")
PIPELINE_DIR = "pipeline"


def _check_freq(freq):
    if freq is None:
        return None
    try:
        pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError) as error:
        raise ValueError(f"freq {freq!r} is not a pandas frequency string ({error})") from error
    return str(freq)


def checked_target(entry, where) -> np.ndarray:
    """The float64 target of a univariate entry without dynamic covariates; ValueError otherwise.

    Training data may hold series of any length; :meth:`SymbolicFMPredictor.predict` also
    refuses a target with fewer than two observed values (nothing to forecast from).
    """
    if not isinstance(entry, dict) or "target" not in entry:
        raise ValueError(f"{where}: an entry must be a dict with a 'target'")
    present = [name for name in DYNAMIC_FIELDS if entry.get(name) is not None]
    if present:
        raise ValueError(f"{where} has dynamic covariates {present}; the symbolic model forecasts from the "
                         "target alone and cannot use them: drop these fields")
    try:
        target = np.asarray(entry["target"])
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{where}: target is not an array of numbers ({error})") from error
    if target.ndim != 1:
        raise ValueError(f"{where}: target has shape {target.shape}; the symbolic model is univariate "
                         "(give each dimension its own entry)")
    # float64 whatever came in: the context statistics need its digits (1e9 + a wiggle of 1)
    return check_series(target, f"{where}: target", dtype=np.float64)


class SymbolicFMPredictor(RepresentablePredictor):
    """Zero-shot probabilistic forecasts of a shipped or saved pipeline (default ``symbolic-piece``).

    Each batch of ``batch_size`` entries is one pipeline call; a series' forecast (and its
    sample paths) depends only on the weights, ``seed`` and its own values, not on the rest of
    the batch. Targets are read as float64 and forecasts are float64 arrays, so a
    level of 1e9 keeps a wiggle of 1. A ``ListDataset`` (and GluonTS's other datasets) stores
    targets as float32, whose spacing near 1e9 is 64: there such a wiggle is already gone before
    the predictor sees it, and a list of float64 arrays forecasts it where the ``ListDataset``
    of the same values cannot. A target needs at least two observed values
    (from one, the forecast would be flat with an interval of zero width), as in the sktime
    forecaster.

    Parameters
    ----------
    prediction_length : int
    model_name : str, default="symbolic-piece"
        Shipped weights or a directory written by ``QuantilePipeline.save``; loaded once per
        process and device (:func:`~sktime_symbolic.model.shared_pipeline`) when no
        ``pipeline`` is given.
    num_samples : int, default=20
        Sample paths per series with ``forecast_type="samples"``, drawn from the forecast
        quantiles (``QuantilePipeline.forecast``); the quantiles themselves are forecast
        directly.
    forecast_type : {"quantiles", "samples"}, default="quantiles"
        ``QuantileForecast`` with keys ``"0.1"`` .. ``"0.9"`` and ``"mean"``, or ``SampleForecast``.
    batch_size : int, default=64
        Series per pipeline call.
    device : str, default="auto"
        CUDA when present, else CPU.
    seed : int or None, default=0
        Seeds the sample paths (with each series' values); None means 0, as in every adapter.
    freq : str or None, default=None
        Frequency for entries whose ``start`` is not a ``pd.Period`` (a string or timestamp).
    season : int or None, default=None
        Season length the model is told; None takes it from each entry's frequency, like
        ``gluonts.time_feature.get_seasonality`` but with the calendar cycle of daily (7) and
        weekly (52) data (:func:`~sktime_symbolic.model.experts.season_length`); an unknown one
        is detected from the target. 1 says there is no season.
    pipeline : QuantilePipeline or None, default=None
        Weights to use instead of ``model_name`` (e.g. from :class:`SymbolicFMEstimator`);
        :meth:`serialize` writes them next to the predictor's parameters.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> predictor = SymbolicFMPredictor(prediction_length=6, num_samples=4, device="cpu")
    >>> entry = {"start": pd.Period("2020-01-01", "D"), "target": np.sin(np.arange(80) / 3)}
    >>> forecast = next(predictor.predict([entry]))
    >>> forecast.quantile(0.9).shape, str(forecast.start_date)
    ((6,), '2020-03-21')
    """

    @validated()
    def __init__(self, prediction_length, model_name=DEFAULT_MODEL, num_samples=20, forecast_type="quantiles",
                 batch_size=64, device="auto", seed=0, freq=None, season=None, pipeline=None):
        super().__init__(prediction_length=check_positive_int("prediction_length", prediction_length))
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.batch_size = check_positive_int("batch_size", batch_size)
        if forecast_type not in FORECAST_TYPES:
            raise ValueError(f"forecast_type must be one of {FORECAST_TYPES}, got {forecast_type!r}")
        self.forecast_type = forecast_type
        self.seed = check_seed(seed, "seed")
        # given weights, model_name only labels them
        self.model_name = check_model_name(model_name, must_exist=pipeline is None)
        self.device = check_device(device)
        self.freq = _check_freq(freq)
        self.season = None if season is None else check_positive_int("season", season)
        if pipeline is not None and not isinstance(pipeline, QuantilePipeline):
            raise ValueError(f"pipeline must be a QuantilePipeline or None, got {type(pipeline).__name__}")
        if pipeline is not None and pipeline.device != self.device:
            # a copy on this device: the caller's pipeline (maybe shared) stays where it is
            pipeline = pipeline_from_state(pipeline.to_state(), self.device)
        self._pipeline = pipeline

    @property
    def pipeline(self) -> QuantilePipeline:
        """The given pipeline, else ``model_name``'s shared one (loaded on first use)."""
        if self._pipeline is not None:
            return self._pipeline
        return load_shared_model(self.model_name, self.device)

    # ------------------------------------------------------------------ inputs

    def _start(self, entry, where):
        start = entry.get("start")
        if isinstance(start, pd.Period):
            return start
        if self.freq is None:
            raise ValueError(f"{where}: 'start' is {start!r}, not a pd.Period; pass freq= to the predictor")
        try:
            return pd.Period(start, freq=self.freq)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{where}: cannot read start {start!r} with freq {self.freq!r}: {error}") from error

    # ------------------------------------------------------------------ forecasting

    def predict(self, dataset, num_samples=None, **kwargs):
        """Yield one forecast per entry of ``dataset``, in order.

        Parameters
        ----------
        dataset : iterable of dicts with ``start`` and ``target``
        num_samples : int, optional
            Overrides the predictor's ``num_samples`` (``make_evaluation_predictions`` passes it).
        """
        samples_per_series = self.num_samples if num_samples is None else check_positive_int("num_samples", num_samples)
        pipeline = self.pipeline
        chunk, empty = [], True
        for index, entry in enumerate(dataset):
            empty = False
            where = f"entry {index} (item_id {entry.get('item_id')!r})" if isinstance(entry, dict) else f"entry {index}"
            target = check_forecastable(checked_target(entry, where), f"{where}: target")
            chunk.append((entry, self._start(entry, where), target))
            if len(chunk) == self.batch_size:
                yield from self._forecast_chunk(pipeline, chunk, samples_per_series)
                chunk = []
        if empty:
            raise ValueError("dataset is empty: nothing to forecast")
        if chunk:
            yield from self._forecast_chunk(pipeline, chunk, samples_per_series)

    def _forecast_chunk(self, pipeline, chunk, num_samples):
        series = [target for _, _, target in chunk]
        seasons = [season_length(start.freqstr) if self.season is None else self.season for _, start, _ in chunk]
        if self.forecast_type == "samples":
            forecasts = pipeline.forecast(series, self.prediction_length, num_samples=num_samples, seed=self.seed,
                                          batch_size=self.batch_size, season=seasons)
        else:
            quantiles, mean = forecast_quantiles(pipeline, series, self.prediction_length, QUANTILE_LEVELS,
                                                 self.batch_size, season=seasons)
            forecasts = np.concatenate([quantiles, mean[:, None]], axis=1)
        with warnings.catch_warnings():
            # pandas deprecates business-day periods; GluonTS data sets still use them
            warnings.filterwarnings("ignore", message=".*BDay.*", category=FutureWarning)
            starts = [start + len(target) for _, start, target in chunk]
        for (entry, _, _), start, arrays in zip(chunk, starts, forecasts):
            info = entry.get("info")
            if self.forecast_type == "samples":
                yield SampleForecast(arrays, start_date=start, item_id=entry.get("item_id"),
                                     info=info)
            else:
                yield QuantileForecast(arrays, start_date=start, forecast_keys=FORECAST_KEYS,
                                       item_id=entry.get("item_id"), info=info)

    # ------------------------------------------------------------------ persistence

    def serialize(self, path) -> None:
        """Write the parameters (gluonts serde) and, when the predictor holds its own pipeline
        (fine-tuned weights), the pipeline into ``path/pipeline``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        Predictor.serialize(self, path)
        with (path / "predictor.json").open("w") as fp:
            print(dump_json(self._parameters_only()), file=fp)
        if self._pipeline is not None:
            self._pipeline.save(path / PIPELINE_DIR)

    def _parameters_only(self) -> "SymbolicFMPredictor":
        kwargs = {k: v for k, v in self.__init_args__.items() if k != "pipeline"}
        return type(self)(**kwargs)

    @classmethod
    def deserialize(cls, path, device=None) -> "SymbolicFMPredictor":
        """Load what :meth:`serialize` wrote; ``device`` (e.g. ``"cpu"``) overrides the saved one,
        so a predictor saved on a GPU machine loads on a CPU-only one."""
        path = Path(path)
        if not (path / "predictor.json").is_file():
            raise ValueError(f"{path} lacks predictor.json; not a serialized SymbolicFMPredictor")
        device = None if device is None else str(check_device(device))
        try:
            saved = json.loads((path / "predictor.json").read_text())
            if device is not None:
                # before serde builds the predictor, which checks the saved device (maybe a GPU this machine lacks)
                saved["kwargs"]["device"] = device
            saved = decode(saved)
        except Exception as error:  # serde raises JSON, key and import errors alike
            raise ValueError(f"{path / 'predictor.json'} is corrupt: {type(error).__name__}: {error}") from error
        if not isinstance(saved, cls):
            raise ValueError(f"{path} holds a {type(saved).__name__}, not a {cls.__name__}")
        kwargs = dict(saved.__init_args__)
        if (path / PIPELINE_DIR).is_dir():
            kwargs["pipeline"] = load_pretrained(path / PIPELINE_DIR, device=kwargs["device"])
        return cls(**kwargs)
