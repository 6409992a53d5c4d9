"""`qms reconcile`: the national portal's 766 figures against a check's (thin over qms.check.reconcile)."""

from __future__ import annotations

import click

from ..core.i18n import _, get_language
from ._common import echo, format_option, print_json


@click.command("reconcile")
@click.argument("check_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--portal", type=click.Path(dir_okay=False, exists=True), required=True,
              help="CSV of the portal's figures: unit, indicator, value[, numerator, denominator].")
@click.option("--out", type=click.Path(dir_okay=False), help="Workbook (.xlsx) with the figures and the dossiers behind.")
@format_option
def reconcile(check_dir, portal, out, output_format):
    """Compare the service-quality figures the national portal published with the check in CHECK_DIR."""
    from ..check.reconcile import reconcile as compare, write_reconciliation_xlsx
    from ..core.formatting import Formatter

    result = compare(check_dir, portal)
    if out:
        write_reconciliation_xlsx(result, out, get_language())
    if output_format == "json":
        print_json({"figures": [vars(f) for f in result.figures], "unmatched": result.unmatched,
                    "dossiers": result.dossiers.to_dicts(), "out": out})
        return
    number = Formatter(get_language())
    differing = result.differences
    echo(_("{total} figure(s) compared: {same} match, {differ} differ").format(
        total=number.integer(len(result.figures)), same=number.integer(len(result.figures) - len(differing)),
        differ=number.integer(len(differing))))
    for figure in differing:
        echo("  " + _("{unit} {indicator}: ours {ours}, portal {portal}").format(
            unit=figure.unit or _("Total"), indicator=figure.indicator, ours=number.percent(figure.ours),
            portal=number.percent(figure.portal)))
    for line in result.unmatched:
        echo("  " + line)
    if out:
        echo(_("Written: {path}").format(path=out))
