"""flashsale: direct-to-consumer commerce built around the flash sale."""

__version__ = "0.1.0"
