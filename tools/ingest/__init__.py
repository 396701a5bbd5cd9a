"""Ingestion: raw inputs from three channels (e-mail, portal JSON, documents) to `InboundMessage`.

    for raw in read_inputs(Path("data/inbox")):
        for outcome in parse_input(raw, max_bytes=settings.max_input_bytes):
            ...  # outcome.message, or outcome.error (quarantine with outcome.data)

Bad input never raises: it comes back as a `ParseOutcome` carrying an `IngestError` whose `code`
is machine-readable and whose `detail` names the source and the problem.
"""

from tools.ingest.errors import IngestError
from tools.ingest.model import ParseOutcome, RawInput
from tools.ingest.parse import parse_input
from tools.ingest.sources import read_inputs

__all__ = ["IngestError", "ParseOutcome", "RawInput", "parse_input", "read_inputs"]
