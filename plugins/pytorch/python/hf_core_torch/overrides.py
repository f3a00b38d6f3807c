"""Per-type values the generic shrink cannot guess (values as in transformers' own
`*ModelTester` defaults). Keys of "config" are dotted paths into the config dict; "class" forces
the model class; "inputs" adds seeded tensors ("B" is the batch) or drops some."""

_FORECASTER = {"config": {"prediction_length": 4, "context_length": 8, "lags_sequence": [1, 2, 3], "num_time_features": 1}}

OVERRIDES: dict[str, dict] = {
    "time_series_transformer": _FORECASTER,
    "informer": _FORECASTER,
    "autoformer": _FORECASTER,
    "esm": {"config": {"pad_token_id": 1, "mask_token_id": 2}},
}
