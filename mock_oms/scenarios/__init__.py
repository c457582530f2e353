"""Scenario files: reading them (``loader``, ``sourcemap``), building the model from a
document (``build``, ``replays``) and drawing it (``render``)."""
