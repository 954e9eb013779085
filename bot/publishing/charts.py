"""A stats `Report` as text bar charts: for a terminal, and for Slack inside code blocks.

Pure: a report in, text (or a message dict) out. Bars are Unicode block characters, which
both Slack and terminals draw; labels are cut so every line stays short.
"""

from __future__ import annotations

from bot.publishing.stats import Report, Row
from bot.slack.blockkit.cards import Message, context_block, header_block, section_block
from bot.slack.blockkit.mrkdwn import clean, escape, truncate

BAR_WIDTH = 20
LABEL_WIDTH = 34
EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"
TITLE = "Newsdesk stats · last {days} days"
TOTALS = "{clicks} clicks · {votes} useful votes · {readers} readers · {impressions} posts"
EMPTY = "(nothing yet)"
CHARTS = (
    ("read", "Most read (readers)"),
    ("useful", "Most useful (votes: Useful and reactions)"),
    ("topics", "Topics (clicks per post)"),
    ("providers", "Providers (clicks per post)"),
    ("digests", "Digest reach (readers)"),
)


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """A bar `value / top` of `width` characters, in eighths of a character."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(min(value / top, 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    return FULL * full + (EIGHTHS[part] if part else "")


def chart_lines(rows: list[Row]) -> list[str]:
    """One line per row: label, bar, value and detail."""
    if not rows:
        return [EMPTY]
    top = max(row.value for row in rows)
    lines = []
    for row in rows:
        label = truncate(" ".join(clean(row.label).split()), LABEL_WIDTH)
        line = f"{label:<{LABEL_WIDTH}} {bar(row.value, top):<{BAR_WIDTH}} {row.shown:>5}"
        lines.append(f"{line}  {row.detail}".rstrip())
    return lines


def report_text(report: Report) -> str:
    """The report for a terminal."""
    parts = [TITLE.format(days=report.days), TOTALS.format(**_totals(report))]
    for name, heading in CHARTS:
        parts += ["", heading, *chart_lines(getattr(report, name))]
    return "\n".join(parts)


def report_message(report: Report) -> Message:
    """The report for Slack: a header, the totals, and one code block per chart."""
    title = TITLE.format(days=report.days)
    blocks = [header_block(title), context_block(escape(TOTALS.format(**_totals(report))))]
    for name, heading in CHARTS:
        body = "\n".join(chart_lines(getattr(report, name))).replace("`", "'")
        blocks.append(section_block(f"*{escape(heading)}*\n```{escape(body)}```"))
    return {"text": title, "blocks": blocks}


def _totals(report: Report) -> dict[str, int]:
    names = ("clicks", "votes", "readers", "impressions")
    return {name: getattr(report, name) for name in names}
