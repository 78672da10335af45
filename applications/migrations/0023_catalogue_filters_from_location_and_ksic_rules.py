"""The catalogue's region and industry rows now also follow the calls' location (시·군·구 of
the site) and KSIC rules; derive them again for the calls that exist."""

from django.db import migrations


def derive_again(apps, schema_editor):
    Call = apps.get_model("applications", "Call")
    CallRegion = apps.get_model("applications", "CallRegion")
    CallIndustry = apps.get_model("applications", "CallIndustry")
    EligibilityRule = apps.get_model("applications", "EligibilityRule")
    kinds = ["region", "industry", "location", "ksic"]
    call_ids = set(EligibilityRule.objects.filter(kind__in=["location", "ksic"]).values_list("call_id", flat=True))
    for call in Call.objects.filter(pk__in=call_ids):
        hard = list(EligibilityRule.objects.filter(call=call, kind__in=kinds, is_hard=True, group=""))
        region_sets = [set(r.params.get("regions", [])) for r in hard if r.kind == "region"]
        region_sets += [{code[:2] for code in r.params.get("codes", [])} for r in hard
                        if r.kind == "location" and r.params.get("basis", "site") == "site"]
        division_sets = [set(r.params.get("divisions", [])) for r in hard if r.kind == "industry"]
        division_sets += [{prefix[:3] for prefix in r.params.get("allow", [])} for r in hard
                          if r.kind == "ksic" and r.params.get("allow")]
        regions = set.intersection(*region_sets) if region_sets else set()
        divisions = set.intersection(*division_sets) if division_sets else set()
        CallRegion.objects.filter(call=call).delete()
        CallIndustry.objects.filter(call=call).delete()
        CallRegion.objects.bulk_create(CallRegion(call=call, region=r) for r in sorted(regions))
        CallIndustry.objects.bulk_create(CallIndustry(call=call, division=d) for d in sorted(divisions))
        Call.objects.filter(pk=call.pk).update(all_regions=not region_sets, all_industries=not division_sets)


class Migration(migrations.Migration):
    dependencies = [("applications", "0022_small_business_table_corrected")]
    operations = [migrations.RunPython(derive_again, migrations.RunPython.noop)]
