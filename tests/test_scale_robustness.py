"""Forecasts on any scale, through each way in (issue 16's table).

The same cases run on the pipeline, the sktime forecaster and the GluonTS predictor: each
front end reads the context in float64 and returns its median forecast in the data's units.
"""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gluonts_symbolic import SymbolicFMPredictor
from sktime_symbolic.forecasting import SymbolicFMForecaster
from sktime_symbolic.model import load_pretrained, shared_pipeline
from sktime_symbolic.model.codec import robust_loc_scale

H = 12
B = np.sin(np.arange(300) / 5)


def _pipeline_median(y, model_name=None):
    pipeline = shared_pipeline(device="cpu") if model_name is None else load_pretrained(model_name, device="cpu")
    quantiles, _ = pipeline.predict_quantiles(y, H, quantile_levels=[0.5])
    return quantiles[0, 0]


def _sktime_median(y, model_name=None):
    forecaster = SymbolicFMForecaster(device="cpu", **({} if model_name is None else {"model_name": model_name}))
    forecaster.fit(pd.Series(y))
    return forecaster.predict(fh=np.arange(1, H + 1)).to_numpy()


def _gluonts_median(y, model_name=None):
    predictor = SymbolicFMPredictor(prediction_length=H, device="cpu",
                                    **({} if model_name is None else {"model_name": model_name}))
    entry = {"start": pd.Period("2020-01-01", "D"), "target": y}
    return next(predictor.predict([entry])).quantile(0.5)


FRONT_ENDS = {"pipeline": _pipeline_median, "sktime": _sktime_median, "gluonts": _gluonts_median}


@pytest.fixture(params=list(FRONT_ENDS), scope="module")
def median(request):
    return FRONT_ENDS[request.param]


class TestForecastsOnAnyScale:
    def test_tiny_scale(self, median):
        forecast = median(B * 1e-12)
        np.testing.assert_allclose(forecast, median(B) * 1e-12, rtol=0, atol=1e-16)

    def test_large_level_keeps_its_wiggle(self, median):
        forecast = median(1e9 + B)
        assert np.abs(forecast - 1e9).max() < 2  # "within a few units of 1e9"
        np.testing.assert_allclose(forecast - 1e9, median(B), atol=0.05)

    def test_one_spike_does_not_flatten_the_forecast(self, median):
        y = np.random.default_rng(1).standard_normal(300)
        y[150] = 1e6
        assert np.abs(median(y)).max() < 5  # about 0, not a flat -1111

    def test_huge_scale_is_finite(self, median):
        forecast = median(B * 1e300)
        assert np.isfinite(forecast).all()
        np.testing.assert_allclose(forecast / 1e300, median(B), atol=1e-6)

    def test_a_scale_that_overflows_float64_is_a_clear_error(self, median):
        with pytest.raises(ValueError, match="overflow float64"):
            median(B * 1e307 + 1e308)

    @settings(max_examples=8, deadline=None, derandomize=True)
    @given(a=st.floats(1e-12, 1e12), c=st.floats(-1e12, 1e12))
    def test_affine_maps_of_the_context_map_the_forecast(self, median, a, c):
        y = 3 + np.sin(np.arange(120) / 4) + 0.1 * np.cos(np.arange(120))
        spread = a * robust_loc_scale(y)[1]
        # below a relative spread of 1e-11 float64 keeps too few digits of a * y + c
        assume(spread > 1e-11 * abs(c))
        # a piece boundary decided by a threshold may flip on float64 rounding: agreement to a
        # share of the data's spread, far inside the 80% interval
        np.testing.assert_allclose(median(a * y + c), a * median(y) + c, rtol=0, atol=0.1 * spread + 1e-14 * abs(c))

    def test_a_tampered_codec_file_is_an_error_naming_it(self, median, tmp_path):
        shared_pipeline(device="cpu").save(tmp_path / "p")
        codec_path = tmp_path / "p" / "codec.npz"
        arrays = dict(np.load(codec_path))
        name = next(k for k, v in arrays.items() if v.ndim >= 1 and len(v) > 1)
        arrays[name] = arrays[name][::-1].copy()  # reordered, as a reordered merge list was
        np.savez(codec_path, **arrays)
        with pytest.raises(ValueError, match="codec.npz"):
            median(B, model_name=tmp_path / "p")

    def test_a_model_card_missing_a_field_is_an_error_naming_it(self, median, tmp_path):
        shared_pipeline(device="cpu").save(tmp_path / "p")
        card_path = tmp_path / "p" / "model_card.json"
        card = json.loads(card_path.read_text())
        del card["config"]["n_heads"]
        card_path.write_text(json.dumps(card))
        with pytest.raises(ValueError, match="model_card.json.*n_heads"):
            median(B, model_name=tmp_path / "p")
