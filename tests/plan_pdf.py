"""The Northshire plan as a published PDF: HTML rendered with WeasyPrint, small pages so the
second priority's table runs onto the next page (its header repeated, as browsers print)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from plan_documents import NAME

_CSS = """
@page { size: A5 landscape; margin: 12mm; }
body { font-family: DejaVu Sans, sans-serif; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 4mm; }
th, td { border: 0.8pt solid black; padding: 2pt 4pt; text-align: left; vertical-align: top; }
.tall td { height: 45mm; }
"""


def _table(header: list[str], rows: list[list[str]], tall: bool = False) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    style = ' class="tall"' if tall else ""
    return f"<table{style}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def northshire_html() -> str:
    return (
        f"<html><head><style>{_CSS}</style></head><body>"
        f"<h1>{NAME}</h1>"
        "<h2>2. Our action plan</h2>"
        "<h3>Priority 1: Reduce domestic abuse</h3>"
        "<p>Lead: Jo Bloggs, Community Safety Manager, Northshire Council</p>"
        "<p>Outcome: Fewer repeat victims</p>"
        + _table(
            ["Ref", "Action", "Responsible officer", "Target date", "Performance measure"],
            [
                ["1.1", "Run a campaign in schools", "Police", "Mar-13", "10 schools reached"],
                [
                    "1.2",
                    "Review the MARAC process",
                    "Probation",
                    "Phase 1 June 2012, Phase 2 December 2012",
                    "",
                ],
            ],
        )
        + "<h3>Priority 2: Reduce antisocial behaviour</h3>"
        "<p>Lead: Sam Hill, Northshire Police</p>"
        + _table(
            ["Ref", "Action", "Owner", "By when", "RAG"],
            [
                ["2.1", "Street Pride events", "Council", "Summer 2012", "Green"],
                ["2.2", "Youth diversion", "Youth Service", "Quarterly", ""],
                ["2.3", "Survey residents", "Council", "31 Febtember 2012", ""],
            ],
            tall=True,
        )
        + "<h2>3. Monitoring</h2><p>Progress is reviewed at each partnership meeting.</p>"
        "</body></html>"
    )


def northshire_pdf(path: Path) -> Path:
    from weasyprint import HTML

    HTML(string=northshire_html()).write_pdf(path)
    return path
