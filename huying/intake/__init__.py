"""Intake: the one path from a report to a case (validate → locate → classify → duplicates →
route → SLA → event), used by every channel and by bulk import."""
