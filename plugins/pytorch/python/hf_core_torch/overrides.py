"""Per-type values the generic shrink cannot guess (values as in transformers' own
`*ModelTester` defaults). Keys of "config" are dotted paths into the config dict; "class" forces
the model class; "inputs" adds seeded tensors ("B" is the batch) or drops some."""

OVERRIDES: dict[str, dict] = {
    "esm": {"config": {"pad_token_id": 1, "mask_token_id": 2}},
}
