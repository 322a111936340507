"""Problem sources and their one grader per task."""
