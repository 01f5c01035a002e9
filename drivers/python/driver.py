"""Conformance driver for the Python Copilot SDK (PyPI github-copilot-sdk).

Reads one JSON command per line on stdin and writes one JSON answer per line
on stdout, as ../PROTOCOL.md specifies. It holds no test logic: everything a
scenario decides arrives as data.
"""

import asyncio
import json
import os
import sys
import threading
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version

# stdout belongs to the protocol: keep a private handle on it and send
# everything else (the SDK's own output included) to stderr, before the SDK
# is even imported.
_answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
sys.stdout = sys.stderr

import copilot  # noqa: E402
from copilot import (  # noqa: E402
    CopilotClient, PermissionHandler, ProviderConfig, RuntimeConnection, SessionEventType)

DISTRIBUTION = "github-copilot-sdk"

# The SDK's callback spelling per contract generation: the only place it
# appears. Which one applies is read from the installed SDK's ProviderConfig,
# so a generation-1 release (1.0.4), a newer one and a checkout all run this
# same file.
GENERATIONS = {"get_bearer_token": 1, "bearer_token_provider": 2}
CALLBACK_FIELD = next((f for f in GENERATIONS if f in ProviderConfig.__annotations__), None)

# Protocol provider fields -> the SDK's provider config keys.
PROVIDER_FIELDS = {"name": "name", "type": "type", "wireApi": "wire_api", "baseUrl": "base_url",
                   "apiKey": "api_key", "bearerToken": "bearer_token"}
# The SDK's callback argument keys -> the protocol's names (any other key
# the SDK passes is reported under its own name).
ARG_NAMES = {"provider_name": "providerName", "session_id": "sessionId"}


class Failure(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def protocol(message):
    return Failure("protocol", message)


JSON_TYPES = {str: "a string", int: "an integer", list: "an array", dict: "an object"}


def need(obj, name, kind, what, optional=False):
    """obj[name], checked to be of kind (a key of JSON_TYPES)."""
    value = obj.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise protocol(f"{what}.{name} must be {'absent or ' if optional else ''}{JSON_TYPES[kind]}")
    return value


def sdk_version():
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # a bare package directory: the SDK's own dev marker
        return copilot.__version__


def now():
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Driver:
    def __init__(self):
        self.client = None
        self.sessions = {}
        self.invocations = []  # touched only on the event loop, where the SDK calls callbacks

    def make_callback(self, spec, label):
        if not isinstance(spec, dict) or set(spec) - {"responses", "scope", "style"}:
            raise protocol(f"bad callback: {spec!r}")
        scope = need(spec, "scope", str, "callback", optional=True)
        style = spec.get("style", "async")  # absent: async, the usual kind in an asyncio app
        if style not in ("sync", "async"):
            raise protocol('callback.style must be "sync" or "async"')
        responses = need(spec, "responses", list, "callback")
        if not responses:
            raise protocol("callback.responses is empty")
        for r in responses:
            if not isinstance(r, dict) or set(r) - {"token", "error", "value", "delayMs"} \
                    or len(set(r) & {"token", "error", "value"}) != 1:
                raise protocol(f"a callback response needs exactly one of token, error and value: {r!r}")
            for key in ("token", "error"):
                need(r, key, str, "callback response", optional=True)
            if need(r, "delayMs", int, "callback response", optional=True) and style == "sync":
                # The SDK calls a sync callback on its event loop: a sleep
                # there would stall every other request, and the turn too.
                raise Failure("unsupported", "a sync callback cannot wait: the Python SDK calls it on its event loop")
        calls = 0

        def begin(args):
            nonlocal calls
            calls += 1
            record = {"callback": label, "args": {ARG_NAMES.get(k, k): v for k, v in dict(args).items()},
                      "startedAt": now()}
            self.invocations.append(record)
            return calls, responses[min(calls, len(responses)) - 1], record

        def finish(n, r, record):
            _ = scope  # held here only, as a managed-identity callback holds its audience
            record["endedAt"] = now()
            if "error" in r:
                record["error"] = r["error"]
                raise RuntimeError(r["error"])
            if "value" in r:
                record["value"] = r["value"]
                return r["value"]  # deliberately not a string
            record["token"] = r["token"].replace("{n}", str(n))
            return record["token"]

        if style == "sync":
            def bearer_token(args):
                return finish(*begin(args))
        else:
            async def bearer_token(args):
                n, r, record = begin(args)
                await asyncio.sleep(r.get("delayMs", 0) / 1000)
                return finish(n, r, record)
        return bearer_token

    def make_provider(self, spec, ref, named):
        if not isinstance(spec, dict):
            raise protocol("a provider must be an object")
        unknown = set(spec) - set(PROVIDER_FIELDS) - {"headers", "callback"}
        if unknown:
            raise protocol(f"unknown provider field(s): {', '.join(sorted(unknown))}")
        if named != ("name" in spec):
            raise protocol("a named provider needs a name; the singular provider takes none")
        config = {PROVIDER_FIELDS[k]: need(spec, k, str, "provider") for k in PROVIDER_FIELDS if k in spec}
        if "headers" in spec:
            headers = need(spec, "headers", dict, "provider")
            if not all(isinstance(v, str) for v in headers.values()):
                raise protocol("provider.headers must map strings to strings")
            config["headers"] = headers
        if "callback" in spec:  # absent: no callback field at all, not even None
            if CALLBACK_FIELD is None:
                raise no_callback_field()
            label = f"{ref}/{spec['name'] if named else 'singular'}"
            config[CALLBACK_FIELD] = self.make_callback(spec["callback"], label)
        return config

    async def open_session(self, cmd):
        what = cmd["cmd"]
        ref = need(cmd, "ref", str, what)
        options = {"model": need(cmd, "model", str, what), "on_permission_request": PermissionHandler.approve_all}
        if "provider" in cmd:
            options["provider"] = self.make_provider(cmd["provider"], ref, named=False)
        if "providers" in cmd:
            options["providers"] = [self.make_provider(p, ref, named=True)
                                    for p in need(cmd, "providers", list, what)]
        if "models" in cmd:
            options["models"] = []
            for m in need(cmd, "models", list, what):
                if not isinstance(m, dict) or set(m) - {"id", "provider", "wireModel"}:
                    raise protocol(f"bad models entry: {m!r}")
                entry = {"id": need(m, "id", str, "models[]"), "provider": need(m, "provider", str, "models[]")}
                if need(m, "wireModel", str, "models[]", optional=True) is not None:
                    entry["wire_model"] = m["wireModel"]
                options["models"].append(entry)
        if self.client is None:
            raise protocol(f"{what} before connect")
        if what == "resumeSession":
            session = await self.client.resume_session(need(cmd, "sessionId", str, what), **options)
        else:
            session = await self.client.create_session(**options)
        self.sessions[ref] = session
        return {"sessionId": session.session_id}

    def session(self, cmd):
        session = self.sessions.get(need(cmd, "ref", str, cmd["cmd"]))
        if session is None:
            raise protocol(f"unknown session ref {cmd['ref']!r}")
        return session

    async def send(self, cmd):
        session = self.session(cmd)
        prompt = need(cmd, "prompt", str, "send")
        timeout = need(cmd, "timeoutMs", int, "send", optional=True)
        # send_and_wait raises on session.error before the turn's
        # session.idle arrives, and a send right after could take that stale
        # idle for its own end: a failed turn is over once its idle is seen.
        idle = asyncio.Event()
        unsubscribe = session.on(lambda e: e.type == SessionEventType.SESSION_IDLE and idle.set())
        try:
            kwargs = {} if timeout is None else {"timeout": timeout / 1000}
            event = await session.send_and_wait(prompt, **kwargs)
            return {"reply": getattr(getattr(event, "data", None), "content", None) or ""}
        except Exception:
            try:
                await asyncio.wait_for(idle.wait(), 5)
            except TimeoutError:
                pass
            raise
        finally:
            unsubscribe()

    async def handle(self, cmd):
        name = cmd.get("cmd")
        if name == "hello":
            if CALLBACK_FIELD is None:
                raise no_callback_field()
            return {"sdk": "python", "sdkVersion": sdk_version(), "language": "python",
                    "generation": GENERATIONS[CALLBACK_FIELD], "callbackField": CALLBACK_FIELD,
                    "capabilities": ["providers", "resume", "syncCallback", "asyncCallback",
                                     "disconnectSession", "stdio", "nullReturn", "rawReturn"]}
        if name == "connect":
            address = need(cmd, "runtimeAddress", str, "connect")
            if self.client is not None:
                raise protocol("already connected")
            if need(cmd, "transport", str, "connect", optional=True) == "stdio":
                # The SDK spawns the suite's shim as its runtime (PROTOCOL.md).
                shim = need(cmd, "stdioShim", str, "connect")
                connection = RuntimeConnection.for_stdio(path=shim, args=["--connect", address])
            else:
                connection = RuntimeConnection.for_uri(address)
            client = CopilotClient(connection=connection)
            await client.start()
            self.client = client
            return {}
        if name in ("createSession", "resumeSession"):
            return await self.open_session(cmd)
        if name == "send":
            return await self.send(cmd)
        if name == "invocations":
            return {"invocations": self.invocations}
        if name == "disconnectSession":
            session = self.session(cmd)
            del self.sessions[cmd["ref"]]
            await session.disconnect()
            return {}
        if name == "disconnect":
            await self.stop_client()
            return {}
        if name == "stop":
            return {}
        raise protocol(f"unknown cmd {name!r}")

    async def stop_client(self):
        """Stops the client: stop() disconnects each session first."""
        client, self.client, self.sessions = self.client, None, {}
        if client is not None:
            try:
                await asyncio.wait_for(client.stop(), 5)
            except TimeoutError:
                raise Failure("sdk", "the client did not stop within 5 s") from None


def no_callback_field():
    return Failure("unsupported", f"{DISTRIBUTION} {sdk_version()} has no bearer-token callback field")


def error_message(e):
    if isinstance(e, BaseExceptionGroup):  # client.stop() gathers its errors
        return "; ".join(error_message(x) for x in e.exceptions)
    return str(e) or type(e).__name__


def answer(msg):
    # RS before each answer marks it as protocol (PROTOCOL.md, "Framing").
    _answers.write("\x1e" + json.dumps(msg, default=str) + "\n")


async def serve(driver, line):
    """Answers one command line; returns True for stop."""
    try:
        cmd = json.loads(line)
    except ValueError as e:
        answer({"id": None, "ok": False, "error": {"kind": "protocol", "message": f"bad JSON: {e}"}})
        return False
    cid = cmd.get("id") if isinstance(cmd, dict) else None
    if not isinstance(cid, int) or isinstance(cid, bool):
        answer({"id": None, "ok": False, "error": {"kind": "protocol", "message": "command needs an integer id"}})
        return False
    try:
        answer({"id": cid, "ok": True, "result": await driver.handle(cmd)})
    except Failure as e:
        answer({"id": cid, "ok": False, "error": {"kind": e.kind, "message": str(e)}})
    except Exception as e:  # the SDK's own errors, in its own words
        answer({"id": cid, "ok": False, "error": {"kind": "sdk", "message": error_message(e)}})
    return cmd.get("cmd") == "stop"


async def main():
    loop = asyncio.get_running_loop()
    lines, eof = asyncio.Queue(), asyncio.Event()

    def read_stdin():  # a thread, so that EOF is seen even while a command runs
        for line in sys.stdin.buffer:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(eof.set)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    driver = Driver()

    async def commands():  # strictly in order, one at a time
        while (line := await lines.get()) is not None:
            if line.strip() and await serve(driver, line):
                return

    running = asyncio.ensure_future(commands())
    await asyncio.wait({running, asyncio.ensure_future(eof.wait())}, return_when=asyncio.FIRST_COMPLETED)
    # stop, or EOF: exit within a second, half of it for a command still
    # running (the suite has given up on it), half for closing the client.
    if not running.done():
        await asyncio.wait({running}, timeout=0.5)
    # The client is not stopped: over TCP the SDK's stop() and force_stop()
    # both join its reader thread for a second (it sits in recv(), which
    # closing the socket from this thread does not wake), and that second,
    # paid by every scenario, was most of a Python run's time. Exiting
    # closes the socket all the same, and the runtime sees the connection
    # end exactly as it would after force_stop() (PROTOCOL.md: stop).
    sys.stderr.flush()
    os._exit(0)  # the SDK's threads and tasks must not hold the process


if __name__ == "__main__":
    asyncio.run(main())
