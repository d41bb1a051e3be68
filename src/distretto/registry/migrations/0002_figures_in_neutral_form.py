"""Key figures become a number with a unit (shown in each language); periods get a neutral form."""

import distretto.registry.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(model_name="districtfigure", name="value"),
        migrations.AddField(
            model_name="districtfigure",
            name="number",
            field=models.DecimalField(decimal_places=3, default=0, max_digits=14, verbose_name="value"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="districtfigure",
            name="unit",
            field=models.CharField(
                choices=[
                    ("count", "number"),
                    ("eur_million", "EUR million"),
                    ("percent", "per cent"),
                    ("change_percent", "change on the previous period, per cent"),
                ],
                default="count",
                max_length=20,
                verbose_name="unit",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="districtfigure",
            name="qualifier",
            field=models.CharField(
                blank=True,
                choices=[("", "as stated"), ("about", "about"), ("over", "over")],
                max_length=10,
                verbose_name="qualifier",
            ),
        ),
        migrations.AddField(
            model_name="districtfigure",
            name="change_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Only when the source states the change next to the value.",
                max_digits=7,
                null=True,
                verbose_name="change on the previous period (%)",
            ),
        ),
        migrations.AlterField(
            model_name="districtfigure",
            name="period",
            field=models.CharField(
                blank=True,
                max_length=40,
                validators=[distretto.registry.validators.validate_period],
                verbose_name="period",
            ),
        ),
        migrations.AlterField(
            model_name="districtfact",
            name="period",
            field=models.CharField(
                blank=True,
                max_length=40,
                validators=[distretto.registry.validators.validate_period],
                verbose_name="period",
            ),
        ),
        migrations.AlterField(
            model_name="organisationfact",
            name="period",
            field=models.CharField(
                blank=True,
                max_length=40,
                validators=[distretto.registry.validators.validate_period],
                verbose_name="period",
            ),
        ),
    ]
