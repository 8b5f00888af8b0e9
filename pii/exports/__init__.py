"""``pii export``: one framework year of the published warehouse as CSV, Parquet or an Excel workbook."""
