"""The reference trainer: continued pretraining and SFT with (Q)LoRA on geocorpus datasets.

Nothing heavy is imported here: `geocorpus --help` must not pull in torch.
"""
