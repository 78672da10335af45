from django.contrib import admin

from reviews.models import ReviewerProfile


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "affiliation", "expertise", "is_active"]
    autocomplete_fields = ["user"]
