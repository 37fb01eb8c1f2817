"""Heuristic quality rules, installed as `geocorpus.filters`; each module registers its recipe steps."""
