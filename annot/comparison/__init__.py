"""On top of reports: paired tests between systems, systems side by side, and the CI gate."""
