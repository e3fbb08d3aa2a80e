"""``python -m conformance``: the same command as ``conformance``."""

from conformance.cli import entry_point

if __name__ == "__main__":
    entry_point()
