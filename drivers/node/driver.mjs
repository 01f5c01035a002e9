// Conformance driver for the Node Copilot SDK (@github/copilot-sdk). It reads
// JSON-line commands on stdin and answers one JSON line each on stdout, as
// ../PROTOCOL.md specifies; every decision a scenario makes arrives as data.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

// stdout belongs to the protocol: keep a private handle on it and send
// everything else (the SDK's chatter included) to stderr, before the SDK is
// even loaded.
const writeAnswer = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
for (const level of ["log", "info", "debug"]) console[level] = console.error;

const SDK = "@github/copilot-sdk";
const { CopilotClient, RuntimeConnection, approveAll, defineTool } = await import(SDK);

// The SDK's callback spelling per contract generation. This table is the
// only place the spelling appears; which entry applies is read from the
// installed SDK's own type declarations, so a 1.0.4 (gen 1) install, a
// newer release and a local checkout all run this same file.
const GENERATIONS = { getBearerToken: 1, bearerTokenProvider: 2 };

const sdkPackage = (() => {
  // The package does not export its package.json, so walk up from its entry.
  let dir = dirname(fileURLToPath(import.meta.resolve(SDK)));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (pkg.name === SDK) return { dir, pkg };
    } catch {}
    if (dir === dirname(dir)) throw new Error(`cannot find ${SDK}'s package.json`);
    dir = dirname(dir);
  }
})();

const callbackField = (() => {
  // Match the declared optional field (`bearerTokenProvider?:`), not any
  // mention: 1.0.4 has a private `bearerTokenProviders` map too.
  const declared = new RegExp(`\\b(${Object.keys(GENERATIONS).join("|")})\\?\\s*:`);
  const typesDir = join(sdkPackage.dir, dirname(sdkPackage.pkg.types ?? "dist/index.d.ts"));
  for (const file of readdirSync(typesDir).filter((f) => f.endsWith(".d.ts")).sort()) {
    const m = readFileSync(join(typesDir, file), "utf8").match(declared);
    if (m) return m[1];
  }
  return undefined;
})();

const fail = (kind, message) => Object.assign(new Error(message), { kind });
const protocol = (message) => fail("protocol", message);
const noCallbackField = () =>
  fail("unsupported", `${SDK} ${sdkPackage.pkg.version} declares no bearer-token callback field`);
const now = () => new Date().toISOString();

let client = null;
const sessions = new Map();
const invocations = [];
const toolInvocations = [];

// check validates one field; a wrong or missing one is the suite's bug.
function check(value, what, type, optional = false) {
  if (value === undefined && optional) return value;
  const ok = type === "array" ? Array.isArray(value)
    : type === "integer" ? Number.isInteger(value)
    : type === "object" ? value !== null && typeof value === "object" && !Array.isArray(value)
    : typeof value === type;
  if (!ok) throw protocol(`${what} must be ${optional ? "absent or " : ""}of type ${type}`);
  return value;
}
const need = (cmd, name, type, optional) => check(cmd[name], `${cmd.cmd}.${name}`, type, optional);
const unknownKeys = (obj, known, what) => {
  const extra = Object.keys(obj).filter((k) => !known.includes(k));
  if (extra.length) throw protocol(`unknown ${what} field(s): ${extra.join(", ")}`);
};

// makeCallback turns a callback spec into a function in the SDK's idiom.
// Each invocation is recorded before it runs, so the list is in start order.
function makeCallback(spec, label) {
  check(spec, "provider.callback", "object");
  unknownKeys(spec, ["responses", "scope", "style"], "callback");
  const { responses, scope, style = "async" } = spec;
  if (!check(responses, "callback.responses", "array").length) throw protocol("callback.responses is empty");
  for (const r of responses) {
    const kinds = [typeof r?.token === "string", typeof r?.error === "string", Object.hasOwn(r ?? {}, "value")];
    if (kinds.filter(Boolean).length !== 1)
      throw protocol("each callback response needs exactly one of token, error (strings) and value");
    check(r.delayMs, "callback response delayMs", "integer", true);
  }
  check(scope, "callback.scope", "string", true);
  if (style !== "sync" && style !== "async") throw protocol(`callback.style must be "sync" or "async"`);
  // A sync function can only wait by stalling the event loop, and with it
  // the SDK's other work; refuse rather than test something else.
  if (style === "sync" && responses.some((r) => r.delayMs > 0))
    throw fail("unsupported", "a sync callback cannot wait without blocking Node's event loop");
  let calls = 0;
  return (args) => {
    void scope; // held here only, as a managed-identity callback holds its audience
    const n = ++calls;
    const r = responses[Math.min(n, responses.length) - 1];
    const record = { callback: label, args: JSON.parse(JSON.stringify(args ?? {})), startedAt: now() };
    invocations.push(record);
    const settle = () => {
      record.endedAt = now();
      if (Object.hasOwn(r, "value")) return (record.value = r.value); // deliberately not a string
      if (r.error === undefined) return (record.token = r.token.replaceAll("{n}", String(n)));
      record.error = r.error;
      throw new Error(r.error);
    };
    // sleep() is a timer, so a slow callback never blocks the SDK's other work.
    return style === "sync" ? settle() : sleep(r.delayMs ?? 0).then(settle);
  };
}

const STRING_FIELDS = ["type", "wireApi", "baseUrl", "apiKey", "bearerToken"];

function makeProvider(spec, ref, named) {
  check(spec, named ? "a providers entry" : "provider", "object");
  unknownKeys(spec, ["name", ...STRING_FIELDS, "headers", "callback"], "provider");
  if (named) check(spec.name, "providers[].name", "string");
  else if ("name" in spec) throw protocol("the singular provider takes no name");
  for (const f of STRING_FIELDS) check(spec[f], `provider.${f}`, "string", true);
  const headers = Object.values(check(spec.headers ?? {}, "provider.headers", "object"));
  if (headers.some((v) => typeof v !== "string")) throw protocol("provider.headers must map strings to strings");

  const { callback, ...config } = spec;
  if (callback === undefined) return config; // no callback field at all, not even a null one
  if (!callbackField) throw noCallbackField();
  config[callbackField] = makeCallback(callback, `${ref}/${named ? spec.name : "singular"}`);
  return config;
}

// The parameters every tool declares (PROTOCOL.md, "tools").
const TOOL_PARAMETERS = { type: "object", properties: { query: { type: "string" } } };

// makeTools turns the command's tool specs into tools made with the SDK's
// own defineTool; each handler answers "result" with {n} its count of
// invocations of that tool in that session, and records the call.
function makeTools(specs, ref) {
  return specs.map((spec) => {
    unknownKeys(check(spec, "a tools entry", "object"), ["name", "description", "result"], "tool");
    const name = check(spec.name, "tools[].name", "string");
    const description = check(spec.description, "tools[].description", "string");
    const result = check(spec.result, "tools[].result", "string");
    return defineTool(name, {
      description,
      parameters: TOOL_PARAMETERS,
      handler: async (args) => {
        const n = toolInvocations.filter((t) => t.ref === ref && t.tool === name).length + 1;
        toolInvocations.push({ ref, tool: name, n, arguments: args === undefined ? null : JSON.parse(JSON.stringify(args)) });
        return result.replaceAll("{n}", String(n));
      },
    });
  });
}

async function openSession(cmd) {
  const ref = need(cmd, "ref", "string");
  const config = { model: need(cmd, "model", "string"), onPermissionRequest: approveAll };
  const sessionId = cmd.cmd === "resumeSession" ? need(cmd, "sessionId", "string") : undefined;
  if (cmd.provider !== undefined) config.provider = makeProvider(cmd.provider, ref, false);
  if (need(cmd, "providers", "array", true))
    config.providers = cmd.providers.map((p) => makeProvider(p, ref, true));
  if (need(cmd, "models", "array", true)) {
    for (const m of cmd.models) {
      unknownKeys(check(m, "a models entry", "object"), ["id", "provider", "wireModel"], "model");
      check(m.id, "models[].id", "string");
      check(m.provider, "models[].provider", "string");
      check(m.wireModel, "models[].wireModel", "string", true);
    }
    config.models = cmd.models;
  }
  if (need(cmd, "tools", "array", true)) {
    if (typeof defineTool !== "function") throw fail("unsupported", `${SDK} ${sdkPackage.pkg.version} exports no defineTool`);
    config.tools = makeTools(cmd.tools, ref);
  }
  if (!client) throw protocol(`${cmd.cmd} before connect`);
  const session = await (sessionId === undefined
    ? client.createSession(config)
    : client.resumeSession(sessionId, config));
  sessions.set(ref, session);
  return { sessionId: session.sessionId };
}

// stopClient is bounded: a runtime that does not answer must not keep the
// driver alive past the suite's one-second budget.
// turn sends a prompt and waits for the turn's end. sendAndWait rejects on
// session.error, before the turn's session.idle arrives; a send right after
// could then take that stale idle for its own end. So a failed turn is over
// only once its idle has been seen.
async function turn(session, prompt, timeoutMs) {
  let idle;
  const idleSeen = new Promise((resolve) => (idle = resolve));
  const unsubscribe = session.on((e) => e.type === "session.idle" && idle());
  try {
    const message = await session.sendAndWait({ prompt }, timeoutMs);
    return { reply: message?.data?.content ?? "" };
  } catch (e) {
    await Promise.race([idleSeen, sleep(5000)]);
    throw e;
  } finally {
    unsubscribe();
  }
}

async function stopClient(ms = 1000) {
  const c = client;
  client = null;
  sessions.clear();
  if (!c) return;
  const late = sleep(ms).then(() => [new Error(`client.stop() did not return within ${ms} ms`)]);
  const errors = await Promise.race([c.stop(), late]);
  if (errors.length) throw fail("sdk", errors.map((e) => e.message).join("; "));
}

let stopping = false;
const commands = {
  hello: () => {
    if (!callbackField) throw noCallbackField();
    return {
      sdk: "node", sdkVersion: sdkPackage.pkg.version, language: "typescript",
      generation: GENERATIONS[callbackField], callbackField,
      capabilities: ["providers", "resume", "syncCallback", "asyncCallback", "disconnectSession", "stdio", "nullReturn", "rawReturn", "addProviders", "concurrentSend",
        ...(typeof defineTool === "function" ? ["tools"] : [])],
    };
  },
  connect: async (cmd) => {
    const address = need(cmd, "runtimeAddress", "string");
    if (client) throw protocol("already connected");
    const connection = (need(cmd, "transport", "string", true) ?? "tcp") === "stdio"
      ? RuntimeConnection.forStdio({ path: need(cmd, "stdioShim", "string"), args: ["--connect", address] })
      : RuntimeConnection.forUri(address);
    const c = new CopilotClient({ connection });
    await c.start();
    client = c;
    return {};
  },
  createSession: openSession,
  resumeSession: openSession,
  send: async (cmd) => {
    const session = sessions.get(need(cmd, "ref", "string"));
    if (!session) throw protocol(`unknown session ref "${cmd.ref}"`);
    return turn(session, need(cmd, "prompt", "string"), need(cmd, "timeoutMs", "integer", true));
  },
  // Every turn starts before any is awaited; a turn's SDK error is its
  // entry's, not the command's.
  sendAll: async (cmd) => {
    const refs = need(cmd, "refs", "array");
    const prompt = need(cmd, "prompt", "string");
    const timeoutMs = need(cmd, "timeoutMs", "integer", true);
    const started = refs.map((ref) => {
      const session = sessions.get(ref);
      if (typeof ref !== "string" || !session) throw protocol(`unknown session ref "${ref}"`);
      return turn(session, prompt, timeoutMs);
    });
    const ended = await Promise.allSettled(started);
    return {
      turns: ended.map((e, i) =>
        e.status === "fulfilled" ? { ref: refs[i], reply: e.value.reply } : { ref: refs[i], reply: "", error: String(e.reason?.message ?? e.reason) }),
    };
  },
  disconnectSession: async (cmd) => {
    const ref = need(cmd, "ref", "string");
    const session = sessions.get(ref);
    if (!session) throw protocol(`unknown session ref "${ref}"`);
    sessions.delete(ref);
    await session.disconnect();
    return {};
  },
  // session.rpc.provider.add is the generated, experimental RPC: the SDK
  // sends the configs as given, callbacks included.
  addProviders: async (cmd) => {
    const ref = need(cmd, "ref", "string");
    const session = sessions.get(ref);
    if (!session) throw protocol(`unknown session ref "${ref}"`);
    const providers = need(cmd, "providers", "array").map((p) => makeProvider(p, ref, true));
    await session.rpc.provider.add({ providers });
    return {};
  },
  invocations: () => ({ invocations, toolInvocations }),
  disconnect: async () => (await stopClient(), {}),
  stop: () => ((stopping = true), {}),
};

async function handle(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (e) {
    return { id: null, ok: false, error: { kind: "protocol", message: `bad JSON: ${e.message}` } };
  }
  const id = Number.isInteger(cmd?.id) ? cmd.id : null;
  try {
    if (id === null) throw protocol("command needs an integer id");
    if (!Object.hasOwn(commands, cmd.cmd)) throw protocol(`unknown cmd ${JSON.stringify(cmd.cmd)}`);
    return { id, ok: true, result: await commands[cmd.cmd](cmd) };
  } catch (e) {
    return { id, ok: false, error: { kind: e?.kind ?? "sdk", message: e?.message ?? String(e) } };
  }
}

// Anything the SDK leaves unhandled is logged, never fatal: a crash would
// lose the answer the suite is waiting for.
process.on("uncaughtException", (e) => console.error("uncaught:", e));
process.on("unhandledRejection", (e) => console.error("unhandled rejection:", e));

// Commands run strictly in order: each line waits for the one before.
let queue = Promise.resolve();
const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    // RS before each answer marks it as protocol (PROTOCOL.md, "Framing").
    writeAnswer("\x1e" + JSON.stringify(await handle(line)) + "\n");
    if (stopping) {
      await stopClient().catch(() => {});
      process.exit(0);
    }
  });
});
// On EOF, exit within a second: half of it for a command still running (the
// suite has given up on it), half for stopping the client.
input.on("close", async () => {
  await Promise.race([queue, sleep(500)]);
  await stopClient(500).catch(() => {});
  process.exit(0);
});
