"""ogpkg: a linked-data knowledge graph of the Open Government Partnership."""

__version__ = "0.1.0"
