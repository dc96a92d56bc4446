"""huying (呼应): grid-based grassroots governance.

A resident's problem, once voiced, gets an answer (一呼百应).
"""

__version__ = "0.1.0"
