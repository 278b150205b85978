"""Reports: report.json (the contract), junit.xml and report.html per run; the version matrix."""
