from reviews.models.panels import Assignment, Panel, PanelMember
from reviews.models.reviewers import ReviewerProfile
from reviews.models.rubrics import BonusItem, Criterion, Rubric
from reviews.models.scores import Review, Score
from reviews.models.selection import Appeal, PlaceOffer, SelectionItem, SelectionRound

__all__ = [
    "Appeal",
    "Assignment",
    "BonusItem",
    "Criterion",
    "Panel",
    "PanelMember",
    "PlaceOffer",
    "Review",
    "ReviewerProfile",
    "Rubric",
    "Score",
    "SelectionItem",
    "SelectionRound",
]
