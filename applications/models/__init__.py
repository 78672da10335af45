from applications.models.agreements import (
    Agreement,
    AgreementState,
    AgreementVersion,
    ClauseKind,
    ClauseTemplate,
    Signature,
)
from applications.models.application import (
    WITHDRAWABLE,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    BudgetCategory,
    BudgetLine,
    Notification,
    RevisionRequest,
    State,
)
from applications.models.calls import (
    Call,
    CallIndustry,
    CallRegion,
    DocumentKind,
    FileFormat,
    NoticeAttachment,
    RequiredDocument,
    SupportLevel,
)
from applications.models.eligibility import EligibilityRule, RuleKind
from applications.models.exports import Export
from applications.models.form_definitions import FieldType, FormField, FormSection, FormVersion
from applications.models.programs import Program, ProgramOfficer

__all__ = [
    "Agreement",
    "AgreementState",
    "AgreementVersion",
    "ClauseKind",
    "ClauseTemplate",
    "Signature",
    "WITHDRAWABLE",
    "Application",
    "ApplicationDocument",
    "ApplicationEvent",
    "BudgetCategory",
    "BudgetLine",
    "Call",
    "CallIndustry",
    "CallRegion",
    "DocumentKind",
    "EligibilityRule",
    "Export",
    "FieldType",
    "FileFormat",
    "FormField",
    "FormSection",
    "FormVersion",
    "NoticeAttachment",
    "Notification",
    "Program",
    "ProgramOfficer",
    "RequiredDocument",
    "RevisionRequest",
    "RuleKind",
    "State",
    "SupportLevel",
]
