"""Every model, imported once so Base.metadata knows all tables (Alembic, tests)."""

from scheduler.models.agency import Agency
from scheduler.models.api import ApiToken, IdempotencyKey
from scheduler.models.audit import AuditEvent
from scheduler.models.documentation import Amendment, InfusionRecord, LotUsage, RateChange, Reaction, VitalSigns
from scheduler.models.invitations import PortalInvitation
from scheduler.models.labs import LabDraw, LabResult
from scheduler.models.nurses import Nurse, TimeOff, WorkingHours
from scheduler.models.orders import TherapyOrder
from scheduler.models.patients import Patient, PatientWeight
from scheduler.models.products import Product, VialLot, VialSize
from scheduler.models.reminders import Reminder
from scheduler.models.security import LoginAttempt
from scheduler.models.users import User
from scheduler.models.visits import Visit

__all__ = [
    "Agency", "Amendment", "ApiToken", "AuditEvent", "IdempotencyKey", "InfusionRecord", "LabDraw", "LabResult", "LoginAttempt", "LotUsage",
    "Nurse", "Patient", "PatientWeight", "PortalInvitation", "Product", "RateChange", "Reaction", "Reminder",
    "TherapyOrder", "TimeOff", "User", "VialLot", "VialSize", "VitalSigns", "Visit", "WorkingHours",
]
