import logging
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from parts.services import catalog_import_text


class Command(BaseCommand):
    help = "Load a corekit-catalog/1 file. One transaction: any error and nothing is written."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the catalog JSON file ('-' for stdin)")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report changes; write nothing"
        )

    def run_from_argv(self, argv):
        """From the command line, a successful import ends the process at once: tearing the
        interpreter down takes a quarter of a second of CPU, most of one with a large
        document still parsed, right after the commit and, on a one-host deployment, on the
        cores the web processes are answering from as they switch to the new catalog. (A
        failure exits the usual way, with its message; call_command() is not affected.)"""
        super().run_from_argv(argv)
        connections.close_all()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    def handle(self, *args, file: str, dry_run: bool, **options):
        if file == "-":
            import sys

            text = sys.stdin.buffer.read()
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            text = path.read_bytes()
        report = catalog_import_text(text=text, dry_run=dry_run)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"{error.path}: {error.message}")
            raise CommandError(
                f"{len(report.errors)} error(s) in {file}; nothing was written."
            )
        prefix = "Dry run, nothing written. Would apply: " if dry_run else "Imported: "
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
