"""Narrate (after assemble): start the audio of the day's edition."""

from aws_lambda_powertools import Logger

from digest.observability import lambda_entry

logger = Logger()


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container
    from digest.events import edition_date
    from digest.services.narrate import narrate

    app = container()
    day = edition_date(event, app.today()).isoformat()
    logger.append_keys(edition_date=day)
    record = narrate(day, editions=app.editions, blobs=app.blobs, narrator=app.narrator)
    if record is None:
        return {"edition_date": day, "audio_status": "none", "reason": "no edition"}
    return {"edition_date": day, "version": record.version, "audio_status": record.audio_status}
