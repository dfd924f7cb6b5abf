"""Audio (SNS, from Polly): verify the narrated MP3, add chapters, mark the edition's audio ready."""

from aws_lambda_powertools import Logger

from digest.observability import traced

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event, context):
    from digest.bootstrap import container
    from digest.services.audio import audio_ready

    app = container()
    results = [audio_ready(record.get("Sns", {}).get("Message"), editions=app.editions, blobs=app.blobs,
                           tagger=app.tagger) for record in event.get("Records", [])]
    return {"results": results}
