"""The nurse's rounds: her day, each visit's ramp and vials, and the infusion record."""
