"""Publishing the marts for BI readers: the serving database and Parquet files."""
