"""Morning Digest: wire feeds in, a morning edition with audio out, one email per subscriber."""

__version__ = "0.1.0"
