"""Every model, imported once so Base.metadata knows all tables (Alembic, tests)."""

from scheduler.models.agency import Agency
from scheduler.models.api import ApiToken, IdempotencyKey
from scheduler.models.audit import AuditEvent
from scheduler.models.feeds import CalendarFeed
from scheduler.models.documentation import Amendment, InfusionRecord, LotUsage, RateChange, Reaction, VitalSigns
from scheduler.models.invitations import PortalInvitation
from scheduler.models.labs import LabDraw, LabResult
from scheduler.models.nurses import Absence, Nurse, TimeOff, WorkingHours
from scheduler.models.replans import Replan
from scheduler.models.orders import TherapyOrder
from scheduler.models.patients import Patient, PatientWeight
from scheduler.models.products import Product, VialLot, VialSize
from scheduler.models.reminders import Reminder
from scheduler.models.security import LoginAttempt
from scheduler.models.users import User
from scheduler.models.visits import Visit

__all__ = [
    "Absence", "Agency", "Amendment", "ApiToken", "AuditEvent", "CalendarFeed", "IdempotencyKey", "InfusionRecord", "LabDraw", "LabResult", "LoginAttempt", "LotUsage",
    "Nurse", "Patient", "PatientWeight", "PortalInvitation", "Product", "RateChange", "Reaction", "Reminder", "Replan",
    "TherapyOrder", "TimeOff", "User", "VialLot", "VialSize", "VitalSigns", "Visit", "WorkingHours",
]
