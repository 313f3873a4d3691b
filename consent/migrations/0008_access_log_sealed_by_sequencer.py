"""The access log is sealed by a sequencer: a chain position (``seq``), hashes empty until sealed."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0007_grantee_kind_prefecture'),
    ]

    operations = [
        migrations.AddField(
            model_name='accesslog',
            name='seq',
            field=models.BigIntegerField(blank=True, null=True, unique=True, verbose_name='position dans la chaîne'),
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='hash',
            field=models.CharField(blank=True, default='', max_length=64, verbose_name='empreinte'),
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='prev_hash',
            field=models.CharField(blank=True, default='', max_length=64, verbose_name='empreinte précédente'),
        ),
        migrations.AddIndex(
            model_name='accesslog',
            index=models.Index(condition=models.Q(('seq__isnull', True)), fields=['id'], name='accesslog_unsealed'),
        ),
        migrations.AddIndex(
            model_name='chaincheckpoint',
            index=models.Index(fields=['chain', 'last_id'], name='checkpoint_chain_position'),
        ),
    ]
