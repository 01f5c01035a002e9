"""Conformance driver for the Python Copilot SDK (PyPI github-copilot-sdk).

Reads JSON-line commands on stdin and answers one JSON line each on stdout,
as ../PROTOCOL.md specifies; every decision a scenario makes arrives as data.
"""

import asyncio
import json
import os
import sys
from datetime import datetime, timezone
from importlib.metadata import version

# stdout belongs to the protocol: keep a private handle on it and send
# everything else (the SDK's chatter included) to stderr, before the SDK is
# even imported.
_answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
sys.stdout = sys.stderr

import copilot  # noqa: E402
from copilot import CopilotClient, PermissionHandler, RuntimeConnection  # noqa: E402

# The SDK's callback spelling per contract generation; which applies is read
# from the installed SDK's provider config type, so an older (generation 1)
# release runs this same file.
GENERATIONS = {"get_bearer_token": 1, "bearer_token_provider": 2}
CALLBACK_FIELD = next(f for f in GENERATIONS if f in copilot.session.ProviderConfig.__annotations__)

# Protocol provider fields -> the SDK's (snake_case) provider config keys.
PROVIDER_FIELDS = {"name": "name", "type": "type", "wireApi": "wire_api", "baseUrl": "base_url",
                   "apiKey": "api_key", "bearerToken": "bearer_token", "headers": "headers"}
# The SDK's callback argument keys -> the protocol's names.
ARG_NAMES = {"provider_name": "providerName", "session_id": "sessionId"}


class Failure(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def protocol(message):
    return Failure("protocol", message)


def now():
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Driver:
    def __init__(self):
        self.client = None
        self.sessions = {}
        self.invocations = []

    def make_callback(self, spec, label):
        if not isinstance(spec, dict) or set(spec) - {"responses", "scope", "style"}:
            raise protocol(f"bad callback: {spec!r}")
        responses = spec.get("responses")
        if not isinstance(responses, list) or not responses:
            raise protocol("callback.responses must be a non-empty list")
        for r in responses:
            if not isinstance(r, dict) or sum(k in r for k in ("token", "error", "value")) != 1:
                raise protocol("each callback response needs exactly one of token, error and value")
        style = spec.get("style", "async")
        if style not in ("sync", "async"):
            raise protocol('callback.style must be "sync" or "async"')
        if style == "sync" and any(r.get("delayMs") for r in responses):
            # The SDK calls a sync callback on its event loop: a sleep there
            # would stall every other request.
            raise Failure("unsupported", "a sync callback cannot wait without blocking the SDK's event loop")
        scope = spec.get("scope")  # held here only, as a managed-identity callback holds its audience
        calls = 0

        def begin(args):
            nonlocal calls
            calls += 1
            record = {"callback": label, "startedAt": now(),
                      "args": {ARG_NAMES.get(k, k): v for k, v in dict(args).items()}}
            self.invocations.append(record)
            return calls, responses[min(calls, len(responses)) - 1], record

        def settle(n, r, record):
            record["endedAt"] = now()
            if "value" in r:
                record["value"] = r["value"]
                return r["value"]  # deliberately not a string
            if "error" in r:
                record["error"] = r["error"]
                raise RuntimeError(r["error"])
            record["token"] = r["token"].replace("{n}", str(n))
            return record["token"]

        def sync_callback(args):
            _ = scope
            return settle(*begin(args))

        async def async_callback(args):
            _ = scope
            n, r, record = begin(args)
            await asyncio.sleep(r.get("delayMs", 0) / 1000)
            return settle(n, r, record)

        return sync_callback if style == "sync" else async_callback

    def make_provider(self, spec, ref, named):
        if not isinstance(spec, dict):
            raise protocol("a provider must be an object")
        unknown = set(spec) - set(PROVIDER_FIELDS) - {"callback"}
        if unknown:
            raise protocol(f"unknown provider field(s): {', '.join(sorted(unknown))}")
        if named != ("name" in spec):
            raise protocol("named providers need a name; the singular provider takes none")
        config = {PROVIDER_FIELDS[k]: v for k, v in spec.items() if k != "callback"}
        if "callback" in spec:
            label = f"{ref}/{spec['name'] if named else 'singular'}"
            config[CALLBACK_FIELD] = self.make_callback(spec["callback"], label)
        return config

    async def open_session(self, cmd):
        ref, model = cmd.get("ref"), cmd.get("model")
        if not isinstance(ref, str) or not isinstance(model, str):
            raise protocol(f"{cmd['cmd']} needs ref and model")
        if self.client is None:
            raise protocol(f"{cmd['cmd']} before connect")
        kwargs = {"model": model, "on_permission_request": PermissionHandler.approve_all}
        if "provider" in cmd:
            kwargs["provider"] = self.make_provider(cmd["provider"], ref, False)
        if "providers" in cmd:
            kwargs["providers"] = [self.make_provider(p, ref, True) for p in cmd["providers"]]
        if "models" in cmd:
            kwargs["models"] = [{"id": m["id"], "provider": m["provider"], "wire_model": m["wireModel"]}
                                for m in cmd["models"]]
        if cmd["cmd"] == "resumeSession":
            session = await self.client.resume_session(cmd["sessionId"], **kwargs)
        else:
            session = await self.client.create_session(**kwargs)
        self.sessions[ref] = session
        return {"sessionId": session.session_id}

    async def send(self, cmd):
        session = self.sessions.get(cmd.get("ref"))
        if session is None:
            raise protocol(f"unknown session ref {cmd.get('ref')!r}")
        # send_and_wait returns on session.error before the turn's
        # session.idle arrives; a send right after could take that stale
        # idle for its own end. A failed turn is over once its idle is seen.
        idle = asyncio.Event()
        unsubscribe = session.on(lambda e: idle.set() if getattr(e.type, "value", e.type) == "session.idle" else None)
        try:
            event = await session.send_and_wait(cmd["prompt"], timeout=cmd.get("timeoutMs", 60000) / 1000)
            return {"reply": getattr(getattr(event, "data", None), "content", None) or ""}
        except Exception:
            try:
                await asyncio.wait_for(idle.wait(), 5)
            except asyncio.TimeoutError:
                pass
            raise
        finally:
            unsubscribe()

    async def handle(self, cmd):
        name = cmd.get("cmd")
        if name == "hello":
            return {"sdk": "python", "sdkVersion": version("github-copilot-sdk"), "language": "python",
                    "generation": GENERATIONS[CALLBACK_FIELD], "callbackField": CALLBACK_FIELD,
                    "capabilities": ["providers", "resume", "syncCallback", "asyncCallback",
                                     "disconnectSession", "stdio", "rawReturn"]}
        if name == "connect":
            if self.client is not None:
                raise protocol("already connected")
            if cmd.get("transport", "tcp") == "stdio":
                connection = RuntimeConnection.for_stdio(path=cmd["stdioShim"], args=["--connect", cmd["runtimeAddress"]])
            else:
                connection = RuntimeConnection.for_uri(cmd["runtimeAddress"])
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
            session = self.sessions.pop(cmd.get("ref"), None)
            if session is None:
                raise protocol(f"unknown session ref {cmd.get('ref')!r}")
            await session.disconnect()
            return {}
        if name == "disconnect":
            await self.stop_client()
            return {}
        if name == "stop":
            return {}
        raise protocol(f"unknown cmd {name!r}")

    async def stop_client(self, seconds=1.0):
        client, self.client, self.sessions = self.client, None, {}
        if client is not None:
            await asyncio.wait_for(client.stop(), seconds)


def answer(msg):
    _answers.write(json.dumps(msg) + "\n")


async def main():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=16 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    driver = Driver()
    while line := await reader.readline():
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
        except ValueError as e:
            answer({"id": None, "ok": False, "error": {"kind": "protocol", "message": f"bad JSON: {e}"}})
            continue
        cid = cmd.get("id") if isinstance(cmd, dict) and isinstance(cmd.get("id"), int) else None
        try:
            if cid is None:
                raise protocol("command needs an integer id")
            answer({"id": cid, "ok": True, "result": await driver.handle(cmd)})
        except Failure as e:
            answer({"id": cid, "ok": False, "error": {"kind": e.kind, "message": str(e)}})
        except Exception as e:  # the SDK's own errors
            answer({"id": cid, "ok": False, "error": {"kind": "sdk", "message": str(e) or type(e).__name__}})
        if cmd.get("cmd") == "stop":
            break
    # EOF or stop: exit within a second, whatever the client does.
    try:
        await driver.stop_client()
    except Exception:
        pass


if __name__ == "__main__":
    asyncio.run(main())
    os._exit(0)
