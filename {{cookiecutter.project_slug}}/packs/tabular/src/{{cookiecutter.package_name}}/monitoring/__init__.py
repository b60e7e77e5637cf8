"""Watching the served model's inputs: drift of recent requests from the training data."""
