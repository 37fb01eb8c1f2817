"""Model-based annotators (language ID, the geoscience classifier); models ship in `models/`."""
