"""An import-linter contract type the built-in ones cannot express: a `domain` package
imports only other `domain` packages and the standard library.

Used by the `[tool.importlinter]` contracts in pyproject.toml (`lint-imports`).
"""

from __future__ import annotations

import sys

from importlinter import Contract, ContractCheck, fields, output


class DomainOnlyContract(Contract):
    """Every module under `<app>.domain` (for each listed app) may import the standard
    library and modules under any listed app's `domain` package — nothing else (no Django,
    no third-party package, no models, selectors or services)."""

    type_name = "domain_only"

    apps = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        domains = tuple(f"{app}.domain" for app in self.apps)

        def in_domain(name: str) -> bool:
            return any(name == d or name.startswith(d + ".") for d in domains)

        illegal = []
        for module in sorted(graph.modules):
            if not in_domain(module):
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                if in_domain(imported) or imported.split(".")[0] in sys.stdlib_module_names:
                    continue
                for detail in graph.get_import_details(importer=module, imported=imported):
                    illegal.append((module, imported, detail["line_number"]))
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, line in check.metadata["illegal"]:
            output.print_error(f"{importer} -> {imported} (l.{line})", bold=False)
            output.new_line()
