"""The continuous-training loop around the pipeline: the diffs against the base, the pull-request report, the
quality gate, the CI training step, and the release of the model that the report evaluated."""
