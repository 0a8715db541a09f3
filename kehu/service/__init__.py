"""Service and complaints (SVC-1..9, FB-2): tickets from every channel, their SLA clocks on China's working
calendar, escalation, service commitments, the problem–solution handbook, public intake and callbacks."""
