"""pytest plugin: filled by the runner (issue 4)."""
