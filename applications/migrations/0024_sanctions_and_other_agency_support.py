"""The participation-ban register gets its legal ground, its scope and a length from which the
end date is computed; the declaration of support from other agencies gets its rows.

Bans already recorded keep the end date typed for them. They applied to every call, so their
scope is every program; where the typed end is exactly what a length of whole months or years
gives (first day counted, 행정기본법 §6 ②), that length is recorded too; otherwise none is, and
the typed date stays the ban's end. Their legal ground was never recorded and stays empty."""

import calendar
import datetime

import applications.models.eligibility
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _duty_last_day(first_day: datetime.date, months: int) -> datetime.date:
    """portal.periods.duty_period_last_day for months, as it reads when this migration was written."""
    total = first_day.month - 1 + months
    year, month = first_day.year + total // 12, total % 12 + 1
    length = calendar.monthrange(year, month)[1]
    if first_day.day > length:
        return datetime.date(year, month, length)
    return datetime.date(year, month, first_day.day) - datetime.timedelta(days=1)


def lengths_from_typed_end_dates(apps, schema_editor):
    ParticipationBan = apps.get_model("applications", "ParticipationBan")
    for ban in ParticipationBan.objects.filter(length__isnull=True):
        for unit, length, months in [("years", n, 12 * n) for n in range(1, 6)] + [("months", n, n) for n in range(1, 61)]:
            if _duty_last_day(ban.starts_on, months) == ban.ends_on:
                ParticipationBan.objects.filter(pk=ban.pk).update(length=length, unit=unit)
                break


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0023_catalogue_filters_from_location_and_ksic_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OtherAgencySupport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agency', models.CharField(max_length=100, verbose_name='agency')),
                ('program', models.CharField(max_length=200, verbose_name='program name')),
                ('amount', models.BigIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='amount of support (KRW)')),
                ('order', models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'support from another agency',
                'verbose_name_plural': 'support from other agencies',
                'ordering': ['order', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='participationban',
            name='legal_ground',
            field=models.CharField(blank=True, help_text='The article of the act that imposes the ban, e.g. 「보조금 관리에 관한 법률」 제31조의2 or 「중소기업기술혁신 촉진법」 제31조.', max_length=200, validators=[applications.models.eligibility.validate_legal_ground], verbose_name='legal ground'),
        ),
        migrations.AddField(
            model_name='participationban',
            name='length',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='length'),
        ),
        migrations.AddField(
            model_name='participationban',
            name='programs',
            field=models.ManyToManyField(blank=True, help_text='Only when the ban names programs.', related_name='+', to='applications.program', verbose_name='programs'),
        ),
        migrations.AddField(
            model_name='participationban',
            name='scope',
            field=models.CharField(choices=[('all', 'every program'), ('programs', 'the programs named')], default='all', max_length=10, verbose_name='barred from'),
        ),
        migrations.AddField(
            model_name='participationban',
            name='unit',
            field=models.CharField(blank=True, choices=[('months', 'months'), ('years', 'years')], max_length=6, verbose_name='unit'),
        ),
        migrations.AlterField(
            model_name='participationban',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='recorded at'),
        ),
        migrations.AlterField(
            model_name='participationban',
            name='recorded_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by'),
        ),
        migrations.AlterField(
            model_name='participationban',
            name='reason',
            field=models.CharField(help_text='What the company did, e.g. 보조금 목적 외 사용.', max_length=500, verbose_name='reason'),
        ),
        migrations.RunPython(lengths_from_typed_end_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='participationban',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('length__isnull', True), ('unit', '')), models.Q(('length__gte', 1), ('unit__in', ['months', 'years'])), _connector='OR'), name='ban_length_has_a_unit'),
        ),
        migrations.AddConstraint(
            model_name='participationban',
            constraint=models.CheckConstraint(condition=models.Q(('length__isnull', True), models.Q(('length__lte', 60), ('unit', 'months')), models.Q(('length__lte', 5), ('unit', 'years')), _connector='OR'), name='ban_at_most_five_years'),
        ),
        migrations.AddField(
            model_name='otheragencysupport',
            name='application',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='other_agency_support', to='applications.application'),
        ),
        migrations.AddConstraint(
            model_name='otheragencysupport',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 1)), name='other_support_amount_positive'),
        ),
    ]
