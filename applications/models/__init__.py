from applications.models.programs import Call, Program, ProgramOfficer

__all__ = ["Call", "Program", "ProgramOfficer"]
