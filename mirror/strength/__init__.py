"""Suite strength: how much of the reference program a suite runs, and how many of its
single-point mutants it tells apart (``mirror tests coverage`` / ``mirror tests mutate``)."""
