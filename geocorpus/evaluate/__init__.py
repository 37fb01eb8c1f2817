"""`geocorpus eval`: multiple choice (GeoBench formats), code summarisation and code generation (pass@k).

Light on import: torch/transformers are imported only where a model is loaded or run, so
`import geocorpus.evaluate` and `geocorpus --help` stay fast.
"""
