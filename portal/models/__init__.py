from portal.models.access import AccessRecord
from portal.models.audit import AuditEvent, ChainHead
from portal.models.companies import (
    Certification,
    Company,
    CompanyInvitation,
    CompanyJoinRequest,
    CompanyMembership,
    Region,
)
from portal.models.consents import Consent
from portal.models.outbox import OutboundEmail
from portal.models.ties import StaffTie
from portal.models.users import User

__all__ = [
    "AccessRecord",
    "AuditEvent",
    "ChainHead",
    "Certification",
    "Company",
    "CompanyInvitation",
    "CompanyJoinRequest",
    "CompanyMembership",
    "Consent",
    "OutboundEmail",
    "Region",
    "StaffTie",
    "User",
]
