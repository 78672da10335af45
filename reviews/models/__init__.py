from reviews.models.panels import Assignment, Panel, PanelMember
from reviews.models.reviewers import ReviewerProfile
from reviews.models.rubrics import BonusItem, Criterion, Rubric
from reviews.models.scores import Review, Score

__all__ = [
    "Assignment",
    "BonusItem",
    "Criterion",
    "Panel",
    "PanelMember",
    "Review",
    "ReviewerProfile",
    "Rubric",
    "Score",
]
