"""Code every Hearth service shares."""
