"""geocorpus: build LLM training data for the geosciences, end to end."""

__version__ = "0.1.0"
