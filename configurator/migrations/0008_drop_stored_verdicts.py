"""Verdict sets share their part lists (groups keyed by a digest): a catalog change that changes
no verdict writes one row per policy instead of every satisfying part again.

The stored verdicts are a cache of the engine's answer (a request finding none builds its
own), so the old sets are dropped rather than converted: here, in a transaction of its own
(on PostgreSQL the deletes leave deferred foreign-key checks that the next migration's
ALTER TABLE would refuse to run beside)."""

from django.db import migrations


def drop_stored_verdicts(apps, schema_editor):
    apps.get_model("configurator", "PolicyVerdict").objects.all().delete()
    apps.get_model("configurator", "PolicyVerdictSet").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('configurator', '0007_policy_verdict_sets'),
    ]

    operations = [
        migrations.RunPython(drop_stored_verdicts, migrations.RunPython.noop),
    ]
