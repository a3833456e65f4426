"""Reporting: the typed report (report.json as records), metric paths, and its Markdown, HTML and terminal views."""
