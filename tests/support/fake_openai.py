"""A local OpenAI-compatible chat-completions server: the test double at the LLM boundary.

Real HTTP on 127.0.0.1; the test sets `mode` to choose the answer: a good tool call, a malformed one,
an invalid reason, a server error, or a reply slower than the client's timeout. Every request body is
kept so tests can check what left the process.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class FakeOpenAI:
    def __init__(self) -> None:
        self.mode = "good"
        self.answer: dict[str, Any] = {
            "reason": "equipment_failure",
            "confidence": 0.91,
            "evidence": "truck broke down",
            "summary": "Truck breakdown delays BOL 8812-3390. Delivery moves by one day. New ETA 2026-03-04.",
        }
        self.delay_s = 3.0
        self.requests: list[dict[str, Any]] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_json(silent=True) or {}
        self.requests.append(body)
        if not request.path.endswith("/chat/completions"):
            return Response("not found", status=404)(environ, start_response)
        if self.mode == "error":
            return Response(json.dumps({"error": {"message": "overloaded"}}), status=500,
                            content_type="application/json")(environ, start_response)
        if self.mode == "slow":
            time.sleep(self.delay_s)
        arguments = json.dumps(self.answer)
        if self.mode == "malformed":
            arguments = '{"reason": "equipment_failure", "confidence": '
        if self.mode == "invalid":
            arguments = json.dumps({**self.answer, "reason": "alien_abduction"})
        tool_name = (body.get("tools") or [{}])[0].get("function", {}).get("name", "LLMAnswer")
        payload = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1767225600,
            "model": body.get("model", "test-model"),
            "choices": [{
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "call_1", "type": "function",
                                    "function": {"name": tool_name, "arguments": arguments}}],
                },
            }],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return Response(json.dumps(payload), content_type="application/json")(environ, start_response)
