"""Room on each page of the group table for its row's next version.

A take-profit tick rewrites every open group's mark (trading/takeprofit/services/quiet_marks.py).
With the pages full, a new row version lands on another page and all eight of the table's indexes
get an entry for it; with 15 % of each page free it usually stays on its page (a HOT update) and
no index is touched. Only new and rewritten pages take the setting. PostgreSQL only."""

from django.db import migrations


def fillfactor(value: int):
    def apply(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE trading_positiongroup SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("trading", "0011_tick_indexes")]

    operations = [migrations.RunPython(fillfactor(85), fillfactor(100))]
