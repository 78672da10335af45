from portal.models.access import AccessRecord
from portal.models.audit import AuditEvent, ChainHead
from portal.models.claims import CompanyClaim
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
from portal.models.retention import DestructionRecord
from portal.models.ties import StaffTie
from portal.models.users import User

__all__ = [
    "AccessRecord",
    "AuditEvent",
    "ChainHead",
    "Certification",
    "Company",
    "CompanyClaim",
    "CompanyInvitation",
    "CompanyJoinRequest",
    "CompanyMembership",
    "Consent",
    "DestructionRecord",
    "OutboundEmail",
    "Region",
    "StaffTie",
    "User",
]
