"""The public surface is exactly what ``__all__`` says."""

import conformance


def test_all_is_honest() -> None:
    """Every public name of the package is in __all__, and every name in __all__ exists."""
    public = {name for name in vars(conformance) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(conformance, name)).__name__ == "module"}
    assert set(conformance.__all__) == public - modules
    assert all(hasattr(conformance, name) for name in conformance.__all__)
