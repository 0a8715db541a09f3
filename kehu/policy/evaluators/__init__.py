"""Pure policy evaluators: (rules section, facts) → decision. No database, no clock: the caller
passes ``now`` and the number of the version it took the rules from (``version_in_force`` at the
event's time), and the decision carries that number so it can be stored with what it decided."""
