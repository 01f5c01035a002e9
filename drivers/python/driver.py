"""Conformance driver for the Python Copilot SDK (PyPI github-copilot-sdk).

Reads one JSON command per line on stdin and writes one JSON answer per line
on stdout, as ../PROTOCOL.md specifies. It holds no test logic: everything a
scenario decides arrives as data.

Importing the SDK takes about two seconds (most of it defining the classes
of copilot.generated.rpc), paid by every scenario's driver. So the suite may
run this file once as a fork server (--fork-server), which imports the SDK
and forks a driver per scenario; a driver started with FORK_SERVER_ENV set
hands its stdin, stdout and stderr to that server before it imports
anything (see the README, "Fork server").
"""

import os
import socket
import sys

FORK_SERVER_ENV = "CONFORMANCE_PYTHON_FORK_SERVER"


def run_in_fork_server(path):
    """Has the fork server at path run this driver: sends it this process's
    stdin, stdout, stderr and process group, then waits for the forked
    driver's exit status and returns it. Returns None, having said why on
    stderr, when no server answers there: the caller runs the driver
    itself."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        socket.send_fds(conn, [str(os.getpgid(0)).encode()], [0, 1, 2])
    except OSError as e:
        print(f"driver: no fork server at {path} ({e}); importing the SDK here", file=sys.stderr)
        return None
    # The forked driver now owns the protocol; this process only waits, so
    # that the suite sees the driver's end as this process's end.
    status = b""
    while not status.endswith(b"\n"):
        chunk = conn.recv(16)
        if not chunk:
            print("driver: the fork server ended before the driver it forked", file=sys.stderr)
            return 70
        status += chunk
    code = int(status)
    return code if code >= 0 else 128 - code  # killed by signal -code


if __name__ == "__main__" and "--fork-server" not in sys.argv and os.environ.get(FORK_SERVER_ENV):
    exit_code = run_in_fork_server(os.environ[FORK_SERVER_ENV])
    if exit_code is not None:
        sys.stdout.flush()
        os._exit(exit_code)

import asyncio  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from importlib.metadata import PackageNotFoundError, version  # noqa: E402


def take_stdout():
    """stdout belongs to the protocol: keeps a private handle on it and sends
    everything else (the SDK's own output included) to stderr. Called before
    the SDK is even imported, and again in each forked driver for the
    stdout it was handed."""
    global _answers
    _answers = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr


_answers = None
take_stdout()

import copilot  # noqa: E402
from copilot import (  # noqa: E402
    CopilotClient, PermissionHandler, ProviderConfig, RuntimeConnection, SessionEventType)

try:  # the SDK's own tool type (PROTOCOL.md, "tools"); a release without it has no tools capability
    from copilot import Tool, ToolResult  # noqa: E402
except ImportError:
    Tool = ToolResult = None

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
# The JSON-schema parameters every tool declares (PROTOCOL.md, "tools").
TOOL_PARAMETERS = {"type": "object", "properties": {"query": {"type": "string"}}}

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
        self.tool_invocations = []  # likewise, where the SDK calls tool handlers

    def make_tools(self, specs, ref):
        """The command's tools as the SDK's own Tool, with the protocol's
        JSON-schema parameters as given (define_tool would derive them from
        a Pydantic model, adding titles). Each handler answers result with
        {n} the count of that tool's calls in that session, and records the
        call."""
        tools = []
        for spec in specs:
            if not isinstance(spec, dict) or set(spec) - {"name", "description", "result"}:
                raise protocol(f"bad tools entry: {spec!r}")
            name = need(spec, "name", str, "tools[]")
            description = need(spec, "description", str, "tools[]")
            result = need(spec, "result", str, "tools[]")

            def handler(invocation, name=name, result=result):
                n = 1 + sum(1 for t in self.tool_invocations if t["ref"] == ref and t["tool"] == name)
                args = invocation.arguments
                self.tool_invocations.append({"ref": ref, "tool": name, "n": n,
                                              "arguments": json.loads(json.dumps(args, default=str))})
                return ToolResult(text_result_for_llm=result.replace("{n}", str(n)))

            tools.append(Tool(name=name, description=description, handler=handler, parameters=TOOL_PARAMETERS))
        return tools

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
        if "tools" in cmd:
            if Tool is None:
                raise Failure("unsupported", f"{DISTRIBUTION} {sdk_version()} has no Tool type")
            options["tools"] = self.make_tools(need(cmd, "tools", list, what), ref)
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
        return await self.turn(session, prompt, timeout)

    async def send_all(self, cmd):
        """Starts a turn in each session before awaiting any; a turn's SDK
        error is its entry's, not the command's."""
        refs = need(cmd, "refs", list, "sendAll")
        prompt = need(cmd, "prompt", str, "sendAll")
        timeout = need(cmd, "timeoutMs", int, "sendAll", optional=True)
        sessions = []
        for ref in refs:
            if not isinstance(ref, str) or ref not in self.sessions:
                raise protocol(f"unknown session ref {ref!r}")
            sessions.append(self.sessions[ref])
        ended = await asyncio.gather(*(self.turn(s, prompt, timeout) for s in sessions), return_exceptions=True)
        turns = []
        for ref, e in zip(refs, ended):
            if isinstance(e, BaseException):
                turns.append({"ref": ref, "reply": "", "error": error_message(e)})
            else:
                turns.append({"ref": ref, "reply": e["reply"]})
        return {"turns": turns}

    async def turn(self, session, prompt, timeout):
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
                                     "disconnectSession", "stdio", "nullReturn", "rawReturn", "concurrentSend"]
                    + (["tools"] if Tool is not None else [])}
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
        if name == "sendAll":
            return await self.send_all(cmd)
        if name == "invocations":
            return {"invocations": self.invocations, "toolInvocations": self.tool_invocations}
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


def serve_forks(path):
    """The fork server: imports nothing more, listens on the Unix socket at
    path and forks a driver for each process that connects (see
    run_in_fork_server). It writes "ready" on stdout once it listens, tells
    each waiting process its driver's exit status, and ends when its stdin
    closes (the suite's run is over); a driver still running then is killed
    by the kernel (PR_SET_PDEATHSIG) or by the suite, with its group."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    # SIGCHLD wakes select through a pipe, so that an exit status is passed
    # on as soon as the driver ends (single-threaded: forking a process
    # with other threads is not safe).
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    waiting = {}  # driver pid -> the connection of the process waiting for it
    _answers.write("ready\n")  # the suite waits for this line (driver.StartServer)
    while True:
        ready, _, _ = select.select([listener, wake_r, 0], [], [])
        if 0 in ready and not os.read(0, 4096):
            break
        if wake_r in ready:
            os.read(wake_r, 4096)
            report_exits(waiting)
        if listener in ready:
            conn, _ = listener.accept()
            pid = fork_driver(conn, [listener, wake_r, wake_w, *waiting.values()])
            if pid:
                waiting[pid] = conn
    listener.close()
    os.unlink(path)
    os._exit(0)


def report_exits(waiting):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = waiting.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:
                pass  # the waiting process is gone (the suite killed it)
            conn.close()


def fork_driver(conn, server_files):
    """Receives a waiting process's group and stdio from conn and forks a
    driver on them; the driver closes server_files (sockets and file
    descriptors of the server's own). Returns the driver's pid (0 when
    nothing was forked)."""
    conn.settimeout(5)
    try:
        msg, fds, _, _ = socket.recv_fds(conn, 64, 3)
        pgid = int(msg)
    except (OSError, ValueError) as e:
        print(f"fork server: a bad request ({e})", file=sys.stderr)
        conn.close()
        return 0
    if len(fds) != 3:
        print(f"fork server: a request with {len(fds)} file descriptors, not 3", file=sys.stderr)
        for fd in fds:
            os.close(fd)
        conn.close()
        return 0
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        return pid
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for f in [*server_files, conn]:
            f.close() if isinstance(f, socket.socket) else os.close(f)
        die_with_parent()
        # Into the waiting process's group: the suite stops a driver by
        # its process group, and this one must be stopped with it.
        os.setpgid(0, pgid)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _answers.close()
        take_stdout()
        asyncio.run(main())
    except BaseException as e:  # noqa: BLE001: a forked driver must never return into the server's loop
        print(f"driver (forked): {type(e).__name__}: {e}", file=sys.stderr)
        sys.stderr.flush()
    os._exit(70)


def die_with_parent():
    """Has the kernel kill this forked driver if the fork server dies
    (Linux); elsewhere the driver ends when its stdin closes."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        pass


if __name__ == "__main__":
    if "--fork-server" in sys.argv:
        serve_forks(os.environ[FORK_SERVER_ENV])
    asyncio.run(main())
