from reviews.models.reviewers import ReviewerProfile

__all__ = ["ReviewerProfile"]
