"""The core: the story of a project and nothing else. Pure.

Kinds and steps, the lifecycle table, the error tree, the injected clock, the scenario
model, the engine that plays it, the store of projects and the replay model. No web
library, no system clock: ``tests/test_architecture.py`` holds it to that.
"""
