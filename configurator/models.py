"""Models arrive with the configurator and quotes issues."""
