#!/usr/bin/env python3
"""An OpenAI-compatible server stand-in on loopback for Fathom's remote-backend tests (stdlib only).

GET /v1/models answers a model list (tests/data/remote/models_*.json). POST /v1/chat/completions and
POST /v1/completions replay a recorded SSE stream from tests/data/remote/ as vLLM, SGLang and
DeepSeek's API send it: chunked transfer encoding, one event per chunk. What each request gets is
set through POST /_control:

  {"models": "models_vllm.json",           # file for GET /v1/models
   "require_key": "K",                     # answer 401 unless "Authorization: Bearer K"
   "answers": {"/v1/chat/completions": [   # consumed in order; the last one repeats
       {"replay": "vllm_r1_reasoning.sse",  # the stream to send
        "delay_ms": 5,                      # pause between events
        "cut_after": 4,                     # send N events, then drop the connection
        "hold_after": 3,                    # send N events, then wait for the client to close
        "drop_last": 3,                     # leave out the last N events, end the stream cleanly
        "garbage_bytes": 2097152,           # instead of events: "data: " and N bytes, no line end
        "status": 429, "headers": {"Retry-After": "1"},   # an error answer instead ...
        "body": "{...}", "content_type": "application/json"}]}}   # ... with this body
GET /_stats returns the requests seen (path, JSON body, whether Authorization was right) and how
many held streams the client closed. The server exits when its stdin closes.
"""
import argparse
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.lock = threading.Lock()
        self.config = {}
        self.used = {}
        self.requests = []
        self.client_closed = 0

    def answer_for(self, path):
        with self.lock:
            answers = self.config.get("answers", {}).get(path, [{"replay": "vllm_r1_reasoning.sse"}])
            i = self.used.get(path, 0)
            self.used[path] = i + 1
            return answers[min(i, len(answers) - 1)]

    def read(self, name):
        with open(os.path.join(self.data_dir, name), "rb") as f:
            return f.read()


def split_events(data):
    """Events with their separators, so CRLF recordings stay CRLF."""
    parts = re.split(rb"(\r\n\r\n|\n\n|\r\r)", data)
    events = []
    for i in range(0, len(parts) - 1, 2):
        events.append(parts[i] + parts[i + 1])
    if parts[-1]:
        events.append(parts[-1])
    return events


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        key = self.state.config.get("require_key")
        return not key or self.headers.get("Authorization") == "Bearer " + key

    def refuse(self):
        self.send_json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                       "code": "invalid_api_key"}})

    def do_GET(self):
        if self.path == "/_stats":
            with self.state.lock:
                self.send_json(200, {"requests": self.state.requests, "client_closed": self.state.client_closed})
            return
        if self.path == "/v1/models":
            if not self.authorized():
                self.refuse()
                return
            self.send_json(200, json.loads(self.state.read(self.state.config.get("models", "models_vllm.json"))))
            return
        self.send_json(404, {"error": {"message": "no route " + self.path}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path == "/_control":
            with self.state.lock:
                self.state.config = json.loads(raw or b"{}")
                self.state.used = {}
                self.state.requests = []
                self.state.client_closed = 0
            self.send_json(200, {"ok": True})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self.state.lock:
            self.state.requests.append({"path": self.path, "body": body, "authorized": self.authorized(),
                                        "has_authorization": "Authorization" in self.headers})
        if not self.authorized():
            self.refuse()
            return
        if self.path not in ("/v1/chat/completions", "/v1/completions"):
            self.send_json(404, {"error": {"message": "no route " + self.path}})
            return
        answer = self.state.answer_for(self.path)
        if "status" in answer:
            payload = answer.get("body", "").encode()
            self.send_response(answer["status"])
            self.send_header("Content-Type", answer.get("content_type", "application/json"))
            self.send_header("Content-Length", str(len(payload)))
            for k, v in answer.get("headers", {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)
            return
        self.stream(answer)

    def stream(self, answer):
        self.send_response(200)
        self.send_header("Content-Type", answer.get("content_type", "text/event-stream; charset=utf-8"))
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if "garbage_bytes" in answer:
            events = [b"data: " + b"x" * 65536 for _ in range(answer["garbage_bytes"] // 65536)]
        else:
            events = split_events(self.state.read(answer["replay"]))
        if answer.get("drop_last"):
            events = events[:-answer["drop_last"]]
        delay = answer.get("delay_ms", 0) / 1000.0
        for i, event in enumerate(events):
            if "cut_after" in answer and i == answer["cut_after"]:
                self.wfile.flush()
                self.connection.shutdown(2)  # no final chunk: the stream breaks mid-reply
                self.close_connection = True
                return
            if "hold_after" in answer and i == answer["hold_after"]:
                self.hold()
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            if delay:
                time.sleep(delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def hold(self):
        """Waits until the client closes the connection (what Fathom's cancel must do)."""
        self.wfile.flush()
        self.connection.settimeout(0.05)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.connection.recv(1) == b"":
                    break
            except (TimeoutError, OSError) as e:
                if not isinstance(e, TimeoutError) and "timed out" not in str(e):
                    break
        else:
            self.close_connection = True
            return
        with self.state.lock:
            self.state.client_closed += 1
        self.close_connection = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--control", help="a /_control JSON file to start with")
    args = p.parse_args()
    Handler.state = State(args.data_dir)
    if args.control:
        with open(args.control) as f:
            Handler.state.config = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"port": server.server_address[1]}, f)
    os.replace(tmp, args.port_file)
    sys.stdin.read()  # until the test closes our stdin
    server.shutdown()


if __name__ == "__main__":
    main()
