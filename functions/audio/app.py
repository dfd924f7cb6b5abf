"""Audio (SNS, from Polly): verify the narrated MP3, add chapters, mark the edition's audio ready."""

from digest.observability import lambda_entry


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container
    from digest.events import sns_messages
    from digest.services.audio import audio_ready

    app = container()
    results = [app.call(audio_ready, notice) for notice in sns_messages(event)]
    return {"results": results}
