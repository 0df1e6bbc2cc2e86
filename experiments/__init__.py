"""Command-line entry points (sweep, sample, bench, report) over the cgan_study library."""
# Imported first by every `python -m experiments.X`: pins Keras to TensorFlow and keeps TensorFlow's start-up
# lines out of the output, before any CLI module imports Keras itself.
import cgan_study  # noqa: F401
