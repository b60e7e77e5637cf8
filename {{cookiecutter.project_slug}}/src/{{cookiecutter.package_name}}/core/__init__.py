"""What every part of the package shares: params.yaml, artefact paths, user errors, atomic writes, hashes."""
