PREDICTED_VS_ACTUAL_FILE = METRICS_DIR / "predicted_vs_actual.png"
RESIDUALS_FILE = METRICS_DIR / "residuals.png"
