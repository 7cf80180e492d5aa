"""Province scale: a deterministic province-year of data and the benchmark of the hot paths."""
