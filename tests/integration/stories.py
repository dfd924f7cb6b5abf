"""Three distinct wire stories from the evening before an edition day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from digest.core.identity import content_hash
from digest.core.story import Story


def stories_for(app, day: date, zone: str) -> None:
    evening = datetime.combine(day - timedelta(days=1), time(20), ZoneInfo(zone)).astimezone(UTC)
    topics = {
        "Harbour bridge reopens": "Engineers finished repairs to the cracked span. Ferries return to the summer timetable.",
        "Central bank holds rates": "Policymakers voted seven to two. Markets had priced in a pause after the inflation data.",
        "Storm nears coast": "Forecasters warned of surge flooding in low districts. Schools in three counties closed early.",
    }
    for n, (topic, detail) in enumerate(topics.items()):
        body = f"{topic} on {day:%A}. {detail}"
        app.stories.save(
            Story(
                f"s-{day}-{n}",
                "ap",
                "Associated Press",
                "the Associated Press",
                f"g-{day}-{n}",
                f"{topic} ({day})",
                body,
                f"https://wire.example/{day}/{n}",
                evening + timedelta(minutes=20 * n),
                content_hash(topic, str(day)),
            )
        )
