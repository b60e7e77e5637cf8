"""The model: how it is built and trained, and how its predictions are scored."""
