__version__ = "0.1.0"
"""The package's version (PEP 440); also sent in the ``User-Agent`` header."""
