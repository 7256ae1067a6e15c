"""dataprep: a training-data readiness linter for LLM fine-tuning datasets."""

__version__ = "0.1.0"
