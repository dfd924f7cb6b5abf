"""``digest queue``: the send queue's dead letters: count them, move them back.

A send batch lands in the send dead-letter queue after the redrive policy's receives (a message
the sender cannot read, a store that kept failing). Moving it back is always safe: the delivery
ledger makes every recipient already sent a no-op, so only the readers still owed are mailed.
The dead-letter queue is found from the send queue's own redrive policy.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from digest.errors import StorageError

EPILOG = """\
examples:
  digest queue count --stack morning-digest-prod
  digest queue redrive --stack morning-digest-prod
  digest queue redrive --limit 10 --json
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    from digest_tools.cli.editor import add_target

    queue = commands.add_parser(
        "queue",
        help="the send queue's dead letters: count them, move them back",
        description=__doc__.split("\n\n", 1)[1],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subcommands = queue.add_subparsers(dest="queue_command", metavar="SUBCOMMAND", required=True)
    count = subcommands.add_parser("count", help="messages waiting in the send queue and its dead-letter queue")
    redrive = subcommands.add_parser(
        "redrive",
        help="move the send dead-letter queue's messages back to the send queue",
        epilog="example:\n  digest queue redrive --stack morning-digest-prod",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    redrive.add_argument("--limit", type=int, default=None, help="move at most this many messages")
    for sub in (count, redrive):
        add_target(sub)


def run(args: argparse.Namespace) -> int:
    from digest_tools.cli.client import resolve
    from digest_tools.cli.ops import container_for

    app = container_for(resolve(args.stack, args.region))
    sqs, send_url = app.client("sqs"), app.settings.send_queue_url
    dead_url = dead_letter_url(sqs, send_url)
    if args.queue_command == "count":
        result = {"send_queue": waiting(sqs, send_url), "dead_letters": waiting(sqs, dead_url)}
    else:
        result = {"moved": move(sqs, dead_url, send_url, args.limit), "dead_letters": waiting(sqs, dead_url)}
    print(json.dumps(result) if args.json else " ".join(f"{k}={v}" for k, v in result.items()))
    return 0


def dead_letter_url(sqs: Any, queue_url: str) -> str:
    """The URL of the dead-letter queue named in ``queue_url``'s redrive policy."""
    try:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]
        arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
        return sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
    except (KeyError, ValueError) as exc:
        raise StorageError(f"the send queue has no dead-letter queue in its redrive policy ({queue_url})") from exc


def waiting(sqs: Any, queue_url: str) -> int:
    """Messages in the queue: visible, in flight or delayed (SQS's approximate counts)."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def move(sqs: Any, source_url: str, target_url: str, limit: int | None = None) -> int:
    """Move messages from ``source_url`` to ``target_url`` (send first, then delete: a message is
    never lost, and one moved twice costs nothing thanks to the ledger). Returns how many moved."""
    moved = 0
    while limit is None or moved < limit:
        wanted = 10 if limit is None else min(10, limit - moved)
        messages = sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=wanted, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            break
        entries = [{"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages)]
        reply = sqs.send_message_batch(QueueUrl=target_url, Entries=entries)
        failed = {f["Id"] for f in reply.get("Failed", [])}
        done = [m for i, m in enumerate(messages) if str(i) not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=source_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        moved += len(done)
        if failed:
            raise StorageError(f"SQS refused {len(failed)} messages; they stay in the dead-letter queue")
    return moved
