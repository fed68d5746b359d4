import json
from pathlib import Path

from django.core.management.base import BaseCommand

from parts.selectors import catalog_export


class Command(BaseCommand):
    help = "Write the whole catalog as a corekit-catalog/1 file (stdout without FILE)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="output path; stdout when omitted")

    def handle(self, *args, file: str | None, **options):
        text = json.dumps(catalog_export(), indent=2, ensure_ascii=False) + "\n"
        if file:
            Path(file).write_text(text, encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"Wrote {file}"))
        else:
            self.stdout.write(text, ending="")
