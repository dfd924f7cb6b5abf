"""Narrate (after assemble): start the audio of the day's edition."""

from aws_lambda_powertools import Logger

from digest.observability import traced

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event, context):
    from digest.bootstrap import container
    from digest.services.narrate import narrate

    app = container()
    day = app.day_from(event).isoformat()
    logger.append_keys(edition_date=day)
    record = narrate(day, editions=app.editions, blobs=app.blobs, narrator=app.narrator)
    if record is None:
        return {"edition_date": day, "audio_status": "none", "reason": "no edition"}
    return {"edition_date": day, "version": record.version, "audio_status": record.audio_status}
