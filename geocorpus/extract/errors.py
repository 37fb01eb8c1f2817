"""The one exception extractors raise for a document they cannot turn into text."""


class ExtractionError(Exception):
    """`reason` is the short category counted in stats (`encrypted`, `binary`, …); the message explains."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
