"""Instruction and eval-set generation from the corpus: LLM backends, request cache, tasks and verification."""
