"""Comparing teacher, student-before and student-after on held-out problems (issue #6)."""
