"""Publishing a built corpus: Hub layout, dataset card, licence gate, upload, and the visual report.

Nothing here imports matplotlib or huggingface_hub at module import time: `geocorpus --help` stays light.
"""
