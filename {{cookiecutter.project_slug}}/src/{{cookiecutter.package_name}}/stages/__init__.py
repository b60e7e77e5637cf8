"""The pipeline's stages, one module each, as dvc.yaml runs them: parse the arguments, call, save."""
