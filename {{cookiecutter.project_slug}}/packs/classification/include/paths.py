CONFUSION_MATRIX_FILE = METRICS_DIR / "confusion_matrix.png"
