"""Specialist networks for some seasons: routing, composition, persistence, training."""

import numpy as np
import pytest
import torch

from sktime_symbolic.model import load_pretrained
from sktime_symbolic.model.codec import codec_from_config
from sktime_symbolic.model.encoder import QuantileConfig
from sktime_symbolic.model.pipeline import QuantilePipeline
from sktime_symbolic.model.pretrain import QuantileLM, training_batch, training_strategy

SHIFT = 3.0  # the specialist's forecast, in scale units, above the base's


def shifted(base, shift):
    """A copy of ``base`` whose head adds ``shift`` scale units to every quantile."""
    out = QuantilePipeline.from_state(base.to_state(), device="cpu")
    with torch.no_grad():
        out.model.head.skip.bias += shift
    return out


@pytest.fixture(scope="module")
def pair():
    """The shipped base network and a copy shifted by SHIFT."""
    base = load_pretrained(device="cpu").split()[0]
    return base, shifted(base, SHIFT)


def contexts(n_series=6, seed=0):
    rng = np.random.default_rng(seed)
    return [50 + np.cumsum(rng.normal(size=int(n))) for n in rng.integers(30, 400, n_series)]


def test_series_of_the_specialist_seasons_get_the_specialist_and_the_others_the_base(pair):
    base, specialist = pair
    routed = base.with_specialist(specialist, seasons=[12, 4])
    ys, seasons = contexts(), [12, 7, 4, 1, 0, 24]
    got, _ = routed.predict_quantiles(ys, 8, season=seasons)
    from_base, _ = base.predict_quantiles(ys, 8, season=seasons)
    from_specialist, _ = specialist.predict_quantiles(ys, 8, season=seasons)
    to_specialist = np.isin(seasons, [4, 12])
    # float32 kernels round differently for other batch shapes: about 1e-6 relative
    np.testing.assert_allclose(got[to_specialist], from_specialist[to_specialist], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[~to_specialist], from_base[~to_specialist], rtol=1e-4, atol=1e-4)
    assert (np.abs(from_specialist - from_base) > 1e-2).all()  # the two networks really differ
    # each series sees one network, whatever the rest of the batch
    alone = np.stack([routed.predict_quantiles(y, 8, season=s)[0] for y, s in zip(ys, seasons)])
    np.testing.assert_allclose(got, alone, rtol=1e-4, atol=1e-4)
    # embeddings come from the base network for every series: a panel's embeddings share one space
    np.testing.assert_allclose(routed.embed(ys, season=seasons), base.embed(ys, season=seasons), rtol=1e-4, atol=1e-4)


def test_a_detected_season_routes_too(pair):
    base, specialist = pair
    routed = base.with_specialist(specialist, seasons=[12])
    t = np.arange(240)
    y = 10 + 3 * np.sin(2 * np.pi * t / 12)
    np.testing.assert_allclose(routed.predict_quantiles(y, 6)[0], specialist.predict_quantiles(y, 6)[0],
                               rtol=1e-4, atol=1e-4)


def test_composition_refuses_what_cannot_share_one_codec_and_one_architecture(pair):
    base, specialist = pair
    with pytest.raises(ValueError, match="seasons is empty"):
        base.with_specialist(specialist, seasons=[])
    for bad in ([0], [4, 4], [2.5]):
        with pytest.raises(ValueError, match="distinct positive integers"):
            base.with_specialist(specialist, seasons=bad)
    with pytest.raises(ValueError, match="must be a QuantilePipeline"):
        base.with_specialist(specialist.model, seasons=[4])
    other_codec = codec_from_config({**base.codec.config(), "min_len": base.codec.min_len + 1}, base.codec.state())
    with pytest.raises(ValueError, match="codec differs"):
        base.with_specialist(QuantilePipeline(specialist.model, other_codec, device="cpu"), seasons=[4])
    routed = base.with_specialist(specialist, seasons=[4])
    with pytest.raises(ValueError, match="single network"):
        base.with_specialist(routed, seasons=[12])
    with pytest.raises(ValueError, match=r"seasons \[4\] already go to a specialist"):
        routed.with_specialist(specialist, seasons=[1, 4])
    with pytest.raises(ValueError, match="distinct positive integers"):
        QuantileConfig(n_features=19, n_symbols=65, max_position=512, season_input=True,
                       specialist_seasons=((4, 12), (12,)))
    with pytest.raises(ValueError, match="needs season_input=True"):
        QuantileConfig(n_features=19, n_symbols=65, max_position=512, specialist_seasons=(4,))


def test_saved_pair_round_trips_with_both_cards(pair, tmp_path):
    base, specialist = pair
    routed = base.with_specialist(specialist, seasons=[4, 12])
    routed.save(tmp_path / "pair")
    loaded = load_pretrained(tmp_path / "pair", device="cpu")
    assert loaded.cfg.specialist_seasons == ((4, 12),)
    assert loaded.card["specialists"][0]["name"] == specialist.card["name"]
    ys = contexts(seed=1)
    np.testing.assert_allclose(loaded.predict_quantiles(ys, 8, season=[4, 7, 12, 1, 4, 7])[0],
                               routed.predict_quantiles(ys, 8, season=[4, 7, 12, 1, 4, 7])[0], rtol=1e-6)


def test_training_moves_only_the_network_a_window_is_routed_to(pair):
    base, specialist = pair
    routed = base.with_specialist(specialist, seasons=[12])
    module = QuantileLM.from_pipeline(routed)
    rng = np.random.default_rng(0)
    ctx, hor = [rng.normal(size=100).cumsum() for _ in range(4)], [rng.normal(size=20) for _ in range(4)]
    for seasons, moved in (([7, 7, 1, 24], "base"), ([12, 12, 12, 12], "specialist")):
        module.zero_grad(set_to_none=True)
        module.loss(training_batch(routed.codec, ctx, hor, cfg=routed.cfg, seasons=np.array(seasons))).backward()
        grads = {"base": module.model.head.skip.weight.grad, "specialist": module.model.specialists[0].head.skip.weight.grad}
        assert grads[moved] is not None and grads[moved].abs().sum() > 0
        still = grads["specialist" if moved == "base" else "base"]
        assert still is None or still.abs().sum() == 0
    with pytest.raises(ValueError, match="with_specialist"):
        QuantileLM.from_pipeline(base, base.cfg.replace(specialist_seasons=(12,)))



def test_a_pair_splits_back_into_its_two_networks(pair):
    base, specialist = pair
    routed = base.with_specialist(specialist, seasons=[4, 12])
    got_base, got_specialist = routed.split()
    ys = contexts(seed=2)
    for got, want in ((got_base, base), (got_specialist, specialist)):
        assert got.cfg == want.cfg
        np.testing.assert_allclose(got.predict_quantiles(ys, 8, season=7)[0], want.predict_quantiles(ys, 8, season=7)[0],
                                   rtol=1e-6)
    own = {k: v for k, v in specialist.card.items() if k not in ("config", "codec", "sha256", "parameters")}
    assert got_specialist.card == {**own, "split_from": {"name": base.card.get("name"), "version": base.card.get("version")}}
    assert "specialists" not in got_base.card
    with pytest.raises(ValueError, match="no specialist network"):
        base.split()


def test_two_specialists_each_forecast_their_own_seasons_and_split_back(pair, tmp_path):
    base, monthly = pair
    yearly = shifted(base, -SHIFT)
    routed = base.with_specialist(monthly, seasons=[4, 12]).with_specialist(yearly, seasons=[1])
    assert routed.cfg.specialist_seasons == ((4, 12), (1,))
    routed.save(tmp_path / "three")
    loaded = load_pretrained(tmp_path / "three", device="cpu")
    ys, seasons = contexts(n_series=8, seed=3), [12, 1, 7, 4, 1, 24, 168, 52]
    got, _ = loaded.predict_quantiles(ys, 8, season=seasons)
    for network, rows in ((base, [2, 5, 6, 7]), (monthly, [0, 3]), (yearly, [1, 4])):
        want, _ = network.predict_quantiles([ys[i] for i in rows], 8, season=[seasons[i] for i in rows])
        np.testing.assert_allclose(got[rows], want, rtol=1e-4, atol=1e-4)
    # told nothing and no season found: the base network, over a horizon of several passes too;
    # told 1 (yearly data): the season-1 specialist
    walk = 50 + np.cumsum(np.random.default_rng(4).normal(size=300))
    for season, network in ((None, base), (1, yearly)):
        np.testing.assert_allclose(loaded.predict_quantiles(walk, 100, season=season)[0],
                                   network.predict_quantiles(walk, 100, season=season)[0], rtol=1e-4, atol=1e-4)
    networks = loaded.split()
    assert len(networks) == 3
    assert [n.card.get("name") for n in networks[1:]] == [monthly.card.get("name"), yearly.card.get("name")]
    for got_network, want in zip(networks, (base, monthly, yearly)):
        np.testing.assert_allclose(got_network.predict_quantiles(ys, 8, season=7)[0],
                                   want.predict_quantiles(ys, 8, season=7)[0], rtol=1e-6)


def test_several_devices_train_a_pair_with_ddp_that_allows_an_unused_network(pair):
    base, specialist = pair
    routed = base.with_specialist(specialist, seasons=[12])
    # a process whose batch holds only hourly series leaves the specialist without gradients
    assert training_strategy(routed.cfg, "cpu", 2) == "ddp_find_unused_parameters_true"
    assert training_strategy(routed.cfg, "gpu", [0, 1]) == "ddp_find_unused_parameters_true"
    for cfg, accelerator, devices in ((routed.cfg, "cpu", 1), (routed.cfg, "cpu", "auto"), (base.cfg, "cpu", 2)):
        assert training_strategy(cfg, accelerator, devices) == "auto"


def test_a_model_saved_with_one_specialist_before_there_could_be_several_still_loads(pair, tmp_path):
    import hashlib
    import json

    from safetensors.torch import load_file, save_file

    base, specialist = pair
    routed = base.with_specialist(specialist, seasons=[4, 12])
    routed.save(tmp_path / "v6")
    # rewrite it as v6 wrote it: weights under "specialist.", the card's "specialist", a flat season list
    weights_path, card_path = tmp_path / "v6" / "model.safetensors", tmp_path / "v6" / "model_card.json"
    weights = {k.replace("specialists.0.", "specialist."): v for k, v in load_file(str(weights_path)).items()}
    save_file(weights, str(weights_path), metadata={"format": "pt"})
    card = json.loads(card_path.read_text())
    card["specialist"] = card.pop("specialists")[0]
    card["config"]["specialist_seasons"] = [4, 12]
    card["sha256"]["model.safetensors"] = hashlib.sha256(weights_path.read_bytes()).hexdigest()
    card_path.write_text(json.dumps(card))
    state = {**routed.to_state(), "weights": weights, "card": {**routed.card, "specialist": card["specialist"]}}
    state["card"].pop("specialists")
    ys, seasons = contexts(seed=5), [4, 7, 12, 1, 24, 4]
    want, _ = routed.predict_quantiles(ys, 8, season=seasons)
    for loaded in (load_pretrained(tmp_path / "v6", device="cpu"), QuantilePipeline.from_state(state, device="cpu")):
        assert loaded.cfg.specialist_seasons == ((4, 12),)
        assert loaded.card["specialists"][0]["name"] == specialist.card["name"] and "specialist" not in loaded.card
        np.testing.assert_allclose(loaded.predict_quantiles(ys, 8, season=seasons)[0], want, rtol=1e-6)


def test_split_gives_every_network_even_when_a_given_card_lists_none(pair):
    base, specialist = pair
    yearly = shifted(base, -SHIFT)
    routed = base.with_specialist(specialist, [4, 12], card={"name": "by hand"}).with_specialist(yearly, [1])
    networks = routed.split()
    assert len(networks) == 3
    assert networks[2].card["name"] == yearly.card["name"] and networks[1].card.get("name") != yearly.card["name"]
