"""Test-suite helpers that ship with Kehu (the requirement-marker plugin used by ``kehu trace``)."""
