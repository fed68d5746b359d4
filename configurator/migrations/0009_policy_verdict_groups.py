"""Verdict sets share their part lists: groups keyed by a digest of their side and parts."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('configurator', '0008_drop_stored_verdicts'),
        ('parts', '0006_capacity_booking'),
    ]

    operations = [
        migrations.DeleteModel(name='PolicyVerdict'),
        migrations.CreateModel(
            name='PolicyVerdictGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('lists', models.CharField(choices=[('satisfying', 'the parts that satisfy the policy'), ('failing', 'the parts that fail the policy')], max_length=10)),
                ('parts', models.PositiveIntegerField(help_text='parts listed')),
                ('used_at', models.DateTimeField(help_text='last chosen for a verdict set (old unused groups are dropped)')),
            ],
        ),
        migrations.CreateModel(
            name='PolicyVerdict',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='verdicts', to='configurator.policyverdictgroup')),
                ('part', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', related_query_name='policy_verdict', to='parts.part')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('group', 'part'), name='policy_verdict_group_once')],
            },
        ),
        migrations.AlterField(
            model_name='policyverdictset',
            name='satisfying',
            field=models.PositiveIntegerField(default=0, help_text='parts that satisfy the policy'),
        ),
        migrations.AddField(
            model_name='policyverdictset',
            name='group',
            field=models.ForeignKey(default=0, on_delete=django.db.models.deletion.PROTECT, related_name='sets', to='configurator.policyverdictgroup'),
            preserve_default=False,
        ),
    ]
