"""Time series classification with embeddings of the symbolic foundation model."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sktime.classification.base import BaseClassifier

from sktime_symbolic._sktime_adapters import PipelinePickling
from sktime_symbolic.model._adapters import (
    check_device,
    check_fit_strategy,
    check_model_name,
    check_seed,
    load_shared_model,
)
from sktime_symbolic.model._checks import check_positive_int, check_positive_number, check_series
from sktime_symbolic.model.pipeline import DEFAULT_MODEL

HEADS = ("ridge", "logistic")
# regularisation grid of the ridge head, as in sktime's ROCKET classifiers
RIDGE_ALPHAS = np.logspace(-3, 3, 10)


def _softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


class SymbolicFMClassifier(PipelinePickling, BaseClassifier):
    """Classifier on the pooled hidden states of the symbolic foundation model.

    Each channel of each instance is embedded separately by the pretrained model (see
    the pipeline's ``embed``: the channel is scaled by its own statistics, cut into tokens
    (the ABBA pieces of ``symbolic-piece``), and the encoder's final states are averaged over
    its tokens); the channel embeddings are concatenated, so an instance with ``C`` channels
    has ``C * d_model`` features. A linear head is fitted on these features.

    Only the last ``context_length`` values of a channel (512 for ``symbolic-piece``) are
    embedded: earlier values of longer series do not influence the features. Because every
    channel is scaled on its own, the features ignore the level and amplitude of a series
    (only its shape counts).

    Missing values (NaN) are allowed (the model interpolates them and sees each token's
    observed share); a channel without any observed value cannot be embedded and raises.
    Instances may have unequal lengths.

    Parameters
    ----------
    model_name : str or path, default="symbolic-piece"
        Shipped weights by name, or a directory written by ``QuantilePipeline.save``.
    head : {"ridge", "logistic"}, default="ridge"
        ``"ridge"``: standardized features into ``RidgeClassifierCV`` with alphas
        ``logspace(-3, 3, 10)``; ``"logistic"``: standardized features into
        ``LogisticRegression``. Ignored when ``estimator`` is given.
    estimator : sklearn classifier or None, default=None
        Used (cloned) instead of ``head`` on the raw embeddings, e.g. a pipeline of your own.
    fit_strategy : {"zero-shot", "fine-tune"}, default="zero-shot"
        As in :class:`~sktime_symbolic.forecasting.SymbolicFMForecaster`. ``"zero-shot"``:
        embed with the shared pretrained weights, loaded once per process and device.
        ``"fine-tune"``: fine-tune a copy of the model on the training series (all channels;
        self-supervised: the quantile loss of forecasting windows of the series, labels unused)
        before embedding. The copy is part of the fitted state; the process-wide shared model
        is left unchanged.
    fine_tune_steps : int, default=100
        Optimiser steps of fine-tuning.
    fine_tune_lr : float, default=1e-4
        Peak learning rate of fine-tuning.
    fine_tune_batch_size : int, default=32
        Training windows per fine-tuning step. Windows forecast the model's
        ``prediction_length`` values, capped so that the longest training series holds one
        window of 8 context values plus the horizon (as the forecaster's windows).
    batch_size : int, default=64
        Series per forward pass when embedding.
    device : str or torch.device, default="auto"
        ``"auto"``: CUDA when present, else CPU.
    random_state : int or None, default=None
        Seed of fine-tuning (its training windows and Lightning, which also seeds the global
        RNGs); None means seed 0, so a fine-tuned classifier is deterministic either way.
        Zero-shot, the classifier is deterministic and the seed unused.

    Attributes
    ----------
    head_ : sklearn classifier
        The fitted head.
    n_channels_ : int
        Channels seen in fit.
    pipeline_ : QuantilePipeline
        The model that embeds: the shared pretrained one, or the fine-tuned copy.

    Notes
    -----
    ``predict_proba`` returns the head's ``predict_proba`` when it has one (``"logistic"``,
    most sklearn classifiers); otherwise the softmax of its ``decision_function`` (the ridge
    head: for two classes the decision ``d`` becomes scores ``[-d, d]``). The softmax of
    ridge scores is a monotone score whose argmax is the prediction, not a calibrated
    probability. A head with neither gives one-hot predictions.

    Pickling a zero-shot classifier leaves the model weights out (they are reloaded from
    ``model_name`` on unpickling); a fine-tuned one keeps its weights (on CPU, moved to
    ``device`` on unpickling), as the forecaster does.

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from sktime_symbolic.classification import SymbolicFMClassifier
    >>> X_train, y_train = load_unit_test(split="train", return_type="numpy3D")
    >>> X_test, y_test = load_unit_test(split="test", return_type="numpy3D")
    >>> clf = SymbolicFMClassifier(device="cpu").fit(X_train, y_train)
    >>> clf.predict(X_test).shape
    (22,)
    >>> clf.predict_proba(X_test).shape
    (22, 2)
    >>> clf.embed(X_test).shape  # one channel of d_model=128 features
    (22, 128)
    """

    _tags = {
        "authors": ["sktime-symbolic developers"],
        "maintainers": ["sktime-symbolic developers"],
        "python_dependencies": ["torch", "lightning"],
        "X_inner_mtype": ["df-list", "numpy3D"],  # df-list carries unequal lengths
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": True,
        "capability:predict_proba": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "classifier_type": "feature",
    }

    def __init__(
        self,
        model_name=DEFAULT_MODEL,
        head="ridge",
        estimator=None,
        fit_strategy="zero-shot",
        fine_tune_steps=100,
        fine_tune_lr=1e-4,
        fine_tune_batch_size=32,
        batch_size=64,
        device="auto",
        random_state=None,
    ):
        self.model_name = model_name
        self.head = head
        self.estimator = estimator
        self.fit_strategy = fit_strategy
        self.fine_tune_steps = fine_tune_steps
        self.fine_tune_lr = fine_tune_lr
        self.fine_tune_batch_size = fine_tune_batch_size
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        super().__init__()

    # ------------------------------------------------------------------ validation

    def _check_params(self):
        check_model_name(self.model_name)
        check_fit_strategy(self.fit_strategy)
        for name in ("batch_size", "fine_tune_steps", "fine_tune_batch_size"):
            check_positive_int(name, getattr(self, name))
        check_positive_number("fine_tune_lr", self.fine_tune_lr)
        check_seed(self.random_state)
        check_device(self.device)
        if self.estimator is None and self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {self.head!r}")
        if self.estimator is not None and not (hasattr(self.estimator, "fit") and hasattr(self.estimator, "predict")):
            raise ValueError(f"estimator must be an sklearn classifier with fit and predict, "
                             f"got {type(self.estimator).__name__}")

    @staticmethod
    def _channels(X, where):
        """Instances as lists of validated float64 channels."""
        if isinstance(X, np.ndarray):
            instances = [list(instance) for instance in X]
        else:
            instances = [[frame[c].to_numpy() for c in frame.columns] for frame in X]
        out = []  # sktime's input checks already refused a panel without instances
        for i, channels in enumerate(instances):
            checked = []
            for c, values in enumerate(channels):
                checked.append(check_series(values, f"{where}: instance {i}, channel {c}"))
            out.append(checked)
        return out

    # ------------------------------------------------------------------ model and features

    def _tuned_pipeline(self, base, instances):
        from sktime_symbolic.model.finetune import fine_tune, fine_tuning_horizon

        series = [x for channels in instances for x in channels]
        if base.cfg.specialist_seasons:
            # the features come from the base network alone (embed), so only it is tuned
            base = base.split()[0]
        horizon = fine_tuning_horizon(series, None, base.cfg.prediction_length)
        return fine_tune(base, series, prediction_length=horizon, max_steps=int(self.fine_tune_steps),
                         lr=float(self.fine_tune_lr), batch_size=int(self.fine_tune_batch_size),
                         seed=check_seed(self.random_state))

    def _embed(self, instances):
        """``(n_instances, n_channels * d_model)`` features, channel after channel."""
        flat = [x for channels in instances for x in channels]
        # similar lengths share a batch, so little of each forward pass is padding
        order = np.argsort([len(x) for x in flat], kind="stable")
        embedded = self.pipeline_.embed([flat[j] for j in order], batch_size=int(self.batch_size))
        features = np.empty_like(embedded)
        features[order] = embedded
        return features.reshape(len(instances), -1)

    def embed(self, X):
        """Embeddings the head sees: array of shape (n_instances, n_channels * d_model).

        Parameters
        ----------
        X : sktime Panel (e.g. 3D array of shape (n_instances, n_channels, n_timepoints))
        """
        self.check_is_fitted()
        if not hasattr(self, "head_"):
            raise ValueError("fit saw a single class, so the classifier embeds nothing")
        X_inner = self._check_convert_X_for_predict(X)
        return self._embed(self._predict_channels(X_inner))

    def _predict_channels(self, X):
        instances = self._channels(X, "X")
        n_channels = len(instances[0])
        if n_channels != self.n_channels_:
            raise ValueError(f"X has {n_channels} channels, but the classifier was fitted on {self.n_channels_}")
        return instances

    # ------------------------------------------------------------------ sktime interface

    def _fit(self, X, y):
        self._check_params()
        instances = self._channels(X, "X")
        self.n_channels_ = len(instances[0])
        base = load_shared_model(self.model_name, self.device)
        self.pipeline_ = self._tuned_pipeline(base, instances) if self.fit_strategy == "fine-tune" else base
        if self.estimator is not None:
            head = clone(self.estimator)
        elif self.head == "ridge":
            head = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=RIDGE_ALPHAS))
        else:
            head = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        self.head_ = head.fit(self._embed(instances), y)
        return self

    def _predict(self, X):
        return np.asarray(self.head_.predict(self._embed(self._predict_channels(X))))

    def _predict_proba(self, X):
        features = self._embed(self._predict_channels(X))
        head = self.head_
        if hasattr(head, "predict_proba"):
            proba = head.predict_proba(features)
        elif hasattr(head, "decision_function"):
            scores = np.asarray(head.decision_function(features), dtype=np.float64)
            if scores.ndim == 1:
                scores = np.stack([-scores, scores], axis=1)
            proba = _softmax(scores)
        else:
            predicted = head.predict(features)
            proba = (np.asarray(predicted)[:, None] == np.asarray(head.classes_)[None, :]).astype(np.float64)
        # the head's class order need not be sktime's
        out = np.zeros((len(features), self.n_classes_))
        for column, label in enumerate(head.classes_):
            out[:, self._class_dictionary[label]] = proba[:, column]
        return out

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's estimator checks: both zero-shot.

        A fine-tuning set (one step) tripled the checks' time, since every fit starts a
        Lightning trainer; fine-tuning is tested in ``tests/test_symbolic_fm_classifier.py``.
        """
        return [
            {"batch_size": 16, "device": "cpu"},
            {"head": "logistic", "batch_size": 4, "device": "cpu"},
        ]
