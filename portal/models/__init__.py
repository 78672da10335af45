from portal.models.audit import AuditEvent
from portal.models.companies import (
    Certification,
    Company,
    CompanyInvitation,
    CompanyJoinRequest,
    CompanyMembership,
    Region,
)
from portal.models.outbox import OutboundEmail
from portal.models.ties import StaffTie
from portal.models.users import User

__all__ = [
    "AuditEvent",
    "Certification",
    "Company",
    "CompanyInvitation",
    "CompanyJoinRequest",
    "CompanyMembership",
    "OutboundEmail",
    "Region",
    "StaffTie",
    "User",
]
