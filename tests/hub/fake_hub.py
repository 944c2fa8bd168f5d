#!/usr/bin/env python3
"""A Hugging Face hub stand-in on loopback for Fathom's download tests (stdlib only).

Serves one repo from a folder the way huggingface.co does: /api/models/{repo}/revision/{rev} with
siblings and x-repo-commit; HEAD/GET /{repo}/resolve/{rev}/{path} with X-Linked-Etag / X-Linked-Size
and a 302 to a second server (the "CDN", on 127.0.0.2 when it can bind there, so it is another host)
for LFS files. Files named *.safetensors, *.bin, *.gguf are LFS; others are plain git files whose
ETag is the git blob sha1. Faults from docs/RELIABILITY.md are switched on through POST /_control:

  {"faults": {"<path>": {"status": 503, "times": 2,      # first N content GETs answer this status
                         "reset_after": 1000,            # send N bytes, then RST the connection
                         "stall_after": 1000, "stall_seconds": 5,  # send N bytes, then go silent
                         "hold_after": 1000,             # send N bytes, wait for POST /_release
                         "range_416": 1,                 # answer N ranged GETs with 416
                         "wrong_bytes": true,            # right length, wrong content
                         "ignore_range": true,           # answer ranged GETs with the whole file
                         "bad_etag": "xyz",              # HEAD reports this etag
                         "head_status": 500}},           # first N HEADs answer this status
   "extra_siblings": ["../evil"],                        # listed in the API, not in the folder
   "require_token": "T"}                                 # hub answers 401 without Bearer T
Faults with "times" fire that many times (default 1; 0 = always). GET /_stats returns the bytes served
per file, the requests seen (with whether they carried Authorization) and which files are held.
"""
import argparse
import hashlib
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_SUFFIXES = (".safetensors", ".bin", ".gguf")


class State:
    def __init__(self, repo_dir, repo, revision, commit):
        self.lock = threading.Lock()
        self.repo = repo
        self.revision = revision
        self.files = {}  # path -> bytes
        for root, _, names in os.walk(repo_dir):
            for n in names:
                full = os.path.join(root, n)
                rel = os.path.relpath(full, repo_dir).replace(os.sep, "/")
                with open(full, "rb") as f:
                    self.files[rel] = f.read()
        if not commit:
            h = hashlib.sha1()
            for p in sorted(self.files):
                h.update(p.encode() + b"\0" + hashlib.sha256(self.files[p]).digest())
            commit = h.hexdigest()
        self.commit = commit
        self.by_sha = {hashlib.sha256(d).hexdigest(): p for p, d in self.files.items()}
        self.config = {}
        self.fired = {}  # (path, fault) -> count
        self.bytes_served = {}
        self.requests = []
        self.held = {}
        self.release = threading.Event()

    def is_lfs(self, path):
        return path.endswith(LFS_SUFFIXES)

    def etag(self, path):
        data = self.files[path]
        if self.is_lfs(path):
            return hashlib.sha256(data).hexdigest()
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

    def fault(self, path, name):
        """The fault's settings if it should fire now (and counts it), else None."""
        with self.lock:
            f = self.config.get("faults", {}).get(path, {})
            if name not in f:
                return None
            times = f.get("times", 1)
            n = self.fired.get((path, name), 0)
            if times and n >= times:
                return None
            self.fired[(path, name)] = n + 1
            return f

    def setting(self, path, name):
        with self.lock:
            return self.config.get("faults", {}).get(path, {}).get(name)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-hub/1"

    def log_message(self, fmt, *args):  # quiet: the tests read /_stats instead
        pass

    @property
    def st(self):
        return self.server.state

    def record(self):
        with self.st.lock:
            self.st.requests.append({"t": round(time.time(), 3), "method": self.command, "path": urllib.parse.unquote(self.path),
                                     "port": self.server.server_address[1], "role": self.server.role,
                                     "range": self.headers.get("Range"),
                                     "auth": self.headers.get("Authorization")})

    def send_json(self, code, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error_code(self, code, error_code):
        self.send_json(code, {"error": error_code}, {"X-Error-Code": error_code})

    # -- routing --------------------------------------------------------------------------------
    def do_HEAD(self):
        self.route()

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.record()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/_control":
            with self.st.lock:
                self.st.config = json.loads(body or b"{}")
                self.st.fired.clear()
                self.st.release.clear()
            return self.send_json(200, {"ok": True})
        if self.path == "/_release":
            self.st.release.set()
            return self.send_json(200, {"ok": True})
        self.send_error_code(404, "NotFound")

    def route(self):
        self.record()
        path = urllib.parse.urlsplit(self.path).path
        if self.server.role == "cdn":
            if path.startswith("/blobs/"):
                sha = path[len("/blobs/"):]
                if sha in self.st.by_sha:
                    return self.serve_content(self.st.by_sha[sha])
            return self.send_error_code(404, "NotFound")
        if path == "/_stats":
            with self.st.lock:
                return self.send_json(200, {"bytes_served": self.st.bytes_served, "requests": self.st.requests,
                                            "held": self.st.held, "commit": self.st.commit})
        token = self.st.config.get("require_token")
        if token and self.headers.get("Authorization") != "Bearer " + token:
            return self.send_error_code(401, "RepositoryNotFound")
        repo = urllib.parse.quote(self.st.repo)
        api = "/api/models/%s/revision/" % repo
        if path.startswith(api):
            return self.serve_api(urllib.parse.unquote(path[len(api):]))
        resolve = "/%s/resolve/" % repo
        if path.startswith(resolve):
            rev, _, file_path = path[len(resolve):].partition("/")
            return self.serve_resolve(urllib.parse.unquote(rev), urllib.parse.unquote(file_path))
        if path.startswith("/api/models/") or "/resolve/" in path:
            return self.send_error_code(401, "RepositoryNotFound")
        self.send_error_code(404, "NotFound")

    def known_revision(self, rev):
        return rev in (self.st.revision, self.st.commit)

    def serve_api(self, rev):
        if not self.known_revision(rev):
            return self.send_error_code(404, "RevisionNotFound")
        siblings = [{"rfilename": p} for p in sorted(self.st.files)]
        siblings += [{"rfilename": p} for p in self.st.config.get("extra_siblings", [])]
        self.send_json(200, {"id": self.st.repo, "sha": self.st.commit, "siblings": siblings},
                       {"X-Repo-Commit": self.st.commit})

    def serve_resolve(self, rev, path):
        if not self.known_revision(rev):
            return self.send_error_code(404, "RevisionNotFound")
        if path not in self.st.files:
            return self.send_error_code(404, "EntryNotFound")
        if self.command == "HEAD":
            f = self.st.fault(path, "head_status")
            if f:
                return self.send_error_code(f["head_status"], "Injected")
        etag = self.st.setting(path, "bad_etag") or self.st.etag(path)
        size = len(self.st.files[path])
        common = {"X-Repo-Commit": self.st.commit, "ETag": '"%s"' % etag}
        if self.st.is_lfs(path):
            cdn = self.server.cdn_base + "/blobs/%s?X-Amz-Signature=fake" % self.st.etag(path)
            self.send_response(302)
            for k, v in common.items():
                self.send_header(k, v)
            self.send_header("X-Linked-Etag", '"%s"' % etag)
            self.send_header("X-Linked-Size", str(size))
            self.send_header("Location", cdn)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.command == "HEAD":
            self.send_response(200)
            for k, v in common.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            return
        self.serve_content(path, common)

    # -- content with faults ----------------------------------------------------------------------
    def serve_content(self, path, extra=None):
        data = self.st.files[path]
        f = self.st.fault(path, "status")
        if f:
            return self.send_error_code(f["status"], "Injected")
        if self.st.setting(path, "wrong_bytes"):
            data = bytes(b ^ 0x5A for b in data)
        start = 0
        rng = self.headers.get("Range")
        if rng and self.st.fault(path, "range_416"):
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % len(data))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if rng and not self.st.setting(path, "ignore_range"):
            if not rng.startswith("bytes=") or not rng[6:].rstrip("-").isdigit():
                return self.send_error_code(400, "BadRange")
            start = int(rng[6:].rstrip("-").split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if self.command == "HEAD":
            return
        body = data[start:]
        cut = None
        for name in ("reset_after", "stall_after", "hold_after"):
            fault = self.st.fault(path, name)
            if fault:
                cut = (name, min(fault[name], len(body)), fault)
                break
        if cut is None:
            return self.send_body(path, body)
        name, n, fault = cut
        self.send_body(path, body[:n])
        if name == "stall_after":
            time.sleep(fault.get("stall_seconds", 5))
        elif name == "hold_after":
            with self.st.lock:
                self.st.held[path] = True
            self.st.release.wait(fault.get("hold_seconds", 60))
            with self.st.lock:
                self.st.held[path] = False
        self.close_connection = True
        if name == "reset_after":  # RST, like a dropped connection, not a clean FIN
            time.sleep(fault.get("reset_delay", 0.3))  # let the client read what was sent first
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            self.connection.shutdown(socket.SHUT_RDWR) if name != "reset_after" else None
        except OSError:
            pass

    def send_body(self, path, body):
        step = 16384
        for i in range(0, len(body), step):
            chunk = body[i:i + step]
            try:
                self.wfile.write(chunk)
                self.wfile.flush()
            except OSError:
                self.close_connection = True
                return
            with self.st.lock:
                self.st.bytes_served[path] = self.st.bytes_served.get(path, 0) + len(chunk)


class Server(ThreadingHTTPServer):
    def server_bind(self):
        # HTTPServer.server_bind() asks DNS for the host's name (socket.getfqdn): slow with no network.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # Clients that hang up mid-transfer (pause, cancel, kill -9) are what the tests do on purpose.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def serve(host, port, role, state, cdn_base=""):
    srv = Server((host, port), Handler)
    srv.daemon_threads = True
    srv.state, srv.role, srv.cdn_base = state, role, cdn_base
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo-dir", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--revision", default="main")
    ap.add_argument("--commit", default="")
    ap.add_argument("--port-file", required=True, help='written as {"hub": port, "cdn": port} once listening')
    args = ap.parse_args()
    state = State(args.repo_dir, args.repo, args.revision, args.commit)
    cdn_host = "127.0.0.2"
    try:
        cdn = serve(cdn_host, 0, "cdn", state)
    except OSError:
        cdn_host = "127.0.0.1"
        cdn = serve(cdn_host, 0, "cdn", state)
    hub = serve("127.0.0.1", 0, "hub", state, "http://%s:%d" % (cdn_host, cdn.server_address[1]))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"hub": hub.server_address[1], "cdn": cdn.server_address[1], "cdn_host": cdn_host,
                   "commit": state.commit}, f)
    os.replace(tmp, args.port_file)
    # Exit with the parent: the test closes our stdin (or dies) and we follow.
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    os._exit(0)  # no waiting for serve_forever's poll interval or handler threads


if __name__ == "__main__":
    main()
