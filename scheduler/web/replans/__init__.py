"""Absences and re-plans: record a nurse's absence, see the visits it leaves without a nurse,
review the solver's proposal and apply all or some of it."""
