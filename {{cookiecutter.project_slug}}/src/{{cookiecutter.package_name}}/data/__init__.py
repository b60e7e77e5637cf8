"""Reading the raw table and turning it into the splits the stages learn from and are scored on."""
