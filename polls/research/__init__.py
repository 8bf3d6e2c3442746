"""Research: datasets of one session or many, their exports (CSV, JSON, XLSX, codebook, word
cloud pictures) and breakdowns with small cells suppressed. Reads storage; never the live rooms."""
