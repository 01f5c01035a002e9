//! Conformance driver for the Rust Copilot SDK (crates.io `github-copilot-sdk`).
//! It reads JSON-line commands on stdin, performs them with the SDK and
//! answers one JSON line each on stdout, as drivers/PROTOCOL.md specifies.
//! It holds no test logic: every decision a scenario makes arrives as data.

use std::collections::HashMap;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures_util::FutureExt;
use futures_util::future::join_all;
use github_copilot_sdk::session::Session;
use github_copilot_sdk::session_events::SessionEventType;
use github_copilot_sdk::subscription::RecvErrorKind;
use github_copilot_sdk::tool::ToolHandler;
use github_copilot_sdk::{
    BearerTokenError, BearerTokenProvider, CliProgram, Client, ClientOptions, MessageOptions,
    NamedProviderConfig, ProviderConfig, ProviderModelConfig, ProviderTokenArgs,
    ResumeSessionConfig, SessionConfig, SessionId, Tool, ToolInvocation, ToolResult, Transport,
};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout};

// The SDK's callback spelling lives here and nowhere else. build.rs sets
// `copilot_sdk_gen1` when the SDK it builds against is of contract
// generation 1 (`get_bearer_token`, arguments without `session_id`: 1.0.4
// and earlier); the generation reported is the one of the spelling compiled.
#[cfg(not(copilot_sdk_gen1))]
mod spelling {
    use super::*;
    pub const GENERATION: u8 = 2;
    pub const CALLBACK_FIELD: &str = "bearer_token_provider";
    pub fn set_callback(p: &mut ProviderConfig, f: Arc<dyn BearerTokenProvider>) {
        p.bearer_token_provider = Some(f);
    }
    pub fn set_named_callback(p: &mut NamedProviderConfig, f: Arc<dyn BearerTokenProvider>) {
        p.bearer_token_provider = Some(f);
    }
    /// The callback's arguments under the protocol's names. The pattern is
    /// exhaustive on purpose: a field a later SDK adds stops the build here
    /// instead of going unreported.
    pub fn args_json(args: ProviderTokenArgs) -> Value {
        let ProviderTokenArgs {
            provider_name,
            session_id,
        } = args;
        json!({ "providerName": provider_name, "sessionId": session_id })
    }
    pub fn resume_with_model(config: ResumeSessionConfig, model: String) -> ResumeSessionConfig {
        config.with_model(model)
    }
}
#[cfg(copilot_sdk_gen1)]
mod spelling {
    use super::*;
    pub const GENERATION: u8 = 1;
    pub const CALLBACK_FIELD: &str = "get_bearer_token";
    pub fn set_callback(p: &mut ProviderConfig, f: Arc<dyn BearerTokenProvider>) {
        p.get_bearer_token = Some(f);
    }
    pub fn set_named_callback(p: &mut NamedProviderConfig, f: Arc<dyn BearerTokenProvider>) {
        p.get_bearer_token = Some(f);
    }
    pub fn args_json(args: ProviderTokenArgs) -> Value {
        let ProviderTokenArgs { provider_name } = args;
        json!({ "providerName": provider_name })
    }
    /// 1.0.4's ResumeSessionConfig has no model: a resumed session keeps
    /// the one it was created with.
    pub fn resume_with_model(config: ResumeSessionConfig, _model: String) -> ResumeSessionConfig {
        config
    }
}
use spelling::{
    CALLBACK_FIELD, GENERATION, args_json, resume_with_model, set_callback, set_named_callback,
};

/// Sets the provider fields the protocol passes through unchanged (BT-2).
/// A macro, not a function: `ProviderConfig` and `NamedProviderConfig` are
/// two types with these same fields and no trait in common.
macro_rules! copy_provider_fields {
    ($config:ident, $spec:ident) => {
        $config.provider_type = $spec.provider_type;
        $config.wire_api = $spec.wire_api;
        $config.api_key = $spec.api_key;
        $config.bearer_token = $spec.bearer_token;
        $config.headers = $spec.headers;
    };
}

/// Never run: see `connect`.
const EXTERNAL_RUNTIME_PROGRAM: &str = "copilot-runtime (external, not spawned)";

/// Set by build.rs from Cargo.lock: the SDK version this binary was built with.
const SDK_VERSION: &str = env!("COPILOT_SDK_VERSION");

// ---- commands and answers ---------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Command {
    cmd: String,
    runtime_address: Option<String>,
    transport: Option<String>,
    stdio_shim: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    refs: Option<Vec<String>>,
    model: Option<String>,
    session_id: Option<String>,
    prompt: Option<String>,
    timeout_ms: Option<u64>,
    provider: Option<ProviderSpec>,
    providers: Option<Vec<ProviderSpec>>,
    models: Option<Vec<ModelSpec>>,
    tools: Option<Vec<ToolSpec>>,
}

/// One tool of createSession/resumeSession (capability `tools`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolSpec {
    name: String,
    description: String,
    /// What the tool answers, `{n}` replaced by its invocation count.
    result: String,
}

/// Exactly the provider fields of the protocol: an unknown one is an error,
/// never silently lost.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProviderSpec {
    name: Option<String>,
    #[serde(rename = "type")]
    provider_type: Option<String>,
    wire_api: Option<String>,
    base_url: Option<String>,
    api_key: Option<String>,
    bearer_token: Option<String>,
    headers: Option<HashMap<String, String>>,
    callback: Option<CallbackSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackSpec {
    responses: Vec<ResponseSpec>,
    /// The token audience: held only by the callback's closure.
    scope: Option<String>,
    style: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResponseSpec {
    token: Option<String>,
    error: Option<String>,
    /// Present (even as `null`) when the response is a raw value.
    #[serde(default, deserialize_with = "present")]
    value: Option<Value>,
    #[serde(default)]
    delay_ms: u64,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ModelSpec {
    id: String,
    provider: String,
    wire_model: Option<String>,
}

/// A failed command: `kind` is `protocol`, `unsupported` or `sdk`.
#[derive(Debug)]
struct Failure {
    kind: &'static str,
    message: String,
}

fn protocol(message: impl Into<String>) -> Failure {
    Failure {
        kind: "protocol",
        message: message.into(),
    }
}
fn unsupported(message: impl Into<String>) -> Failure {
    Failure {
        kind: "unsupported",
        message: message.into(),
    }
}
impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            kind: "sdk",
            message: e.to_string(),
        }
    }
}

type Answer = Result<Value, Failure>;

fn need<'a>(field: &'a Option<String>, what: &str) -> Result<&'a str, Failure> {
    field
        .as_deref()
        .ok_or_else(|| protocol(format!("{what} is required")))
}

// ---- callbacks ----------------------------------------------------------------

/// Every callback invocation, in the order they started.
#[derive(Clone, Default)]
struct Invocations(Arc<Mutex<Vec<Value>>>);

fn now() -> String {
    humantime::format_rfc3339_micros(SystemTime::now()).to_string()
}

impl Invocations {
    fn finish(&self, index: usize, key: &str, value: &str) {
        let mut list = self.0.lock().unwrap();
        list[index][key] = json!(value);
        list[index]["endedAt"] = json!(now());
    }
}

/// Builds a callback in the SDK's idiom (an async closure returning
/// `Result<String, BearerTokenError>`) that behaves as `spec` says;
/// invocations are recorded under `label` (`<ref>/singular`, `<ref>/<name>`).
fn make_callback(
    spec: CallbackSpec,
    label: String,
    log: &Invocations,
) -> Result<Arc<dyn BearerTokenProvider>, Failure> {
    if spec.style.is_some() {
        return Err(unsupported(
            "the Rust SDK has one kind of callback (an async BearerTokenProvider); callback.style is not supported",
        ));
    }
    if spec.responses.is_empty() {
        return Err(protocol("callback.responses must not be empty"));
    }
    for r in &spec.responses {
        if r.value.is_some() {
            return Err(unsupported(
                "a Rust BearerTokenProvider returns Result<String, BearerTokenError>: it cannot return a non-string value",
            ));
        }
        if r.token.is_some() == r.error.is_some() {
            return Err(protocol(
                "each callback response needs exactly one of token and error",
            ));
        }
    }
    let (responses, scope, log) = (Arc::new(spec.responses), spec.scope, log.clone());
    let calls = Arc::new(Mutex::new(0usize));
    Ok(Arc::new(move |args: ProviderTokenArgs| {
        let _audience = &scope; // held here only, as a managed-identity callback holds it
        // Count and record under one lock, so the list is in start order.
        let (n, index) = {
            let mut list = log.0.lock().unwrap();
            let mut calls = calls.lock().unwrap();
            *calls += 1;
            list.push(json!({ "callback": label, "args": args_json(args), "startedAt": now() }));
            (*calls, list.len() - 1)
        };
        let r = responses[n.min(responses.len()) - 1].clone();
        let log = log.clone();
        async move {
            // A timer: the SDK serves each runtime request on a task of its
            // own, and this one yields while it waits. (No zero sleep: a
            // tokio timer rounds up to the next millisecond tick.)
            if r.delay_ms > 0 {
                sleep(Duration::from_millis(r.delay_ms)).await;
            }
            match (r.token, r.error) {
                (_, Some(error)) => {
                    log.finish(index, "error", &error);
                    Err(BearerTokenError::message(error))
                }
                (token, None) => {
                    let token = token.unwrap_or_default().replace("{n}", &n.to_string());
                    log.finish(index, "token", &token);
                    Ok(token)
                }
            }
        }
    }))
}

// ---- tools ---------------------------------------------------------------------

/// Every tool invocation, in call order (`toolInvocations`).
#[derive(Clone, Default)]
struct ToolInvocations(Arc<Mutex<Vec<Value>>>);

/// A tool as the protocol describes it, implemented with the SDK's own
/// `ToolHandler` trait: it answers `result` with `{n}` the count of
/// invocations of this tool under this session's ref so far (a resume
/// under the same ref counts on), and records each.
struct ScriptedTool {
    reference: String,
    name: String,
    result: String,
    log: ToolInvocations,
}

#[async_trait]
impl ToolHandler for ScriptedTool {
    async fn call(
        &self,
        invocation: ToolInvocation,
    ) -> Result<ToolResult, github_copilot_sdk::Error> {
        let n = {
            let mut list = self.log.0.lock().unwrap();
            let n = 1 + list
                .iter()
                .filter(|t| t["ref"] == self.reference.as_str() && t["tool"] == self.name.as_str())
                .count();
            list.push(json!({ "ref": self.reference, "tool": self.name, "n": n,
                              "arguments": invocation.arguments }));
            n
        };
        Ok(ToolResult::Text(self.result.replace("{n}", &n.to_string())))
    }
}

/// The session's tools, each a `Tool` with the protocol's parameter schema
/// and a `ScriptedTool` handler.
fn make_tools(specs: Vec<ToolSpec>, reference: &str, log: &ToolInvocations) -> Vec<Tool> {
    specs
        .into_iter()
        .map(|spec| {
            Tool::new(spec.name.clone())
                .with_description(spec.description)
                .with_parameters(
                    json!({ "type": "object", "properties": { "query": { "type": "string" } } }),
                )
                .with_handler(Arc::new(ScriptedTool {
                    reference: reference.to_string(),
                    name: spec.name,
                    result: spec.result,
                    log: log.clone(),
                }))
        })
        .collect()
}

// ---- the driver ---------------------------------------------------------------

#[derive(Default)]
struct Driver {
    client: Option<Client>,
    sessions: HashMap<String, Session>,
    invocations: Invocations,
    tool_invocations: ToolInvocations,
}

impl Driver {
    async fn handle(&mut self, c: Command) -> Answer {
        match c.cmd.as_str() {
            "hello" => Ok(json!({
                "sdk": "rust", "sdkVersion": SDK_VERSION, "language": "rust",
                "generation": GENERATION, "callbackField": CALLBACK_FIELD,
                "capabilities": ["providers", "resume", "disconnectSession", "stdio", "concurrentSend", "tools"],
            })),
            "connect" => self.connect(&c).await,
            "createSession" | "resumeSession" => self.open_session(c).await,
            "send" => self.send(&c).await,
            "sendAll" => self.send_all(&c).await,
            "invocations" => Ok(json!({
                "invocations": *self.invocations.0.lock().unwrap(),
                "toolInvocations": *self.tool_invocations.0.lock().unwrap(),
            })),
            "disconnectSession" => self.disconnect_session(&c).await,
            "disconnect" => self
                .stop_client(Duration::from_secs(1))
                .await
                .map(|_| json!({})),
            "stop" => Ok(json!({})), // the main loop ends after answering
            other => Err(protocol(format!("unknown cmd {other:?}"))),
        }
    }

    async fn connect(&mut self, c: &Command) -> Answer {
        let address = need(&c.runtime_address, "connect.runtimeAddress")?;
        if self.client.is_some() {
            return Err(protocol("already connected"));
        }
        let options = match c.transport.as_deref().unwrap_or("tcp") {
            // The SDK spawns the suite's shim as its runtime (PROTOCOL.md).
            "stdio" => ClientOptions::new()
                .with_transport(Transport::Stdio)
                .with_program(CliProgram::Path(
                    need(&c.stdio_shim, "connect.stdioShim")?.into(),
                ))
                .with_prefix_args(["--connect", address]),
            "tcp" => {
                let (host, port) = address
                    .rsplit_once(':')
                    .and_then(|(h, p)| {
                        Some((
                            h.trim_start_matches('[').trim_end_matches(']'),
                            p.parse().ok()?,
                        ))
                    })
                    .ok_or_else(|| {
                        protocol(format!("runtimeAddress {address:?} is not host:port"))
                    })?;
                ClientOptions::new()
                    .with_transport(Transport::External {
                        host: host.to_string(),
                        port,
                        connection_token: None,
                    })
                    // Client::start resolves a runtime program even for an
                    // external runtime, and fails when the crate bundles
                    // none (bundled-cli is off). Nothing is spawned for
                    // Transport::External, so a path that is never run will do.
                    .with_program(CliProgram::Path(EXTERNAL_RUNTIME_PROGRAM.into()))
            }
            other => return Err(protocol(format!("unknown transport {other:?}"))),
        };
        let client = timeout(Duration::from_secs(20), Client::start(options))
            .await
            .map_err(|_| Failure::from("Client::start did not return within 20s"))??;
        self.client = Some(client);
        Ok(json!({}))
    }

    fn provider(
        &self,
        spec: ProviderSpec,
        reference: &str,
        named: bool,
    ) -> Result<(ProviderSpec, Option<Arc<dyn BearerTokenProvider>>), Failure> {
        let mut spec = spec;
        let label = match (&spec.name, named) {
            (Some(name), true) => format!("{reference}/{name}"),
            (None, true) => return Err(protocol("a named provider needs a name")),
            (Some(_), false) => return Err(protocol("the singular provider takes no name")),
            (None, false) => format!("{reference}/singular"),
        };
        if spec.base_url.is_none() {
            return Err(unsupported(
                "the Rust SDK's provider configs require base_url",
            ));
        }
        let callback = match spec.callback.take() {
            Some(cb) => Some(make_callback(cb, label, &self.invocations)?),
            None => None, // no callback field at all
        };
        Ok((spec, callback))
    }

    async fn open_session(&mut self, c: Command) -> Answer {
        let reference = need(&c.reference, &format!("{}.ref", c.cmd))?.to_string();
        let model = need(&c.model, &format!("{}.model", c.cmd))?.to_string();
        let resume = c.cmd == "resumeSession";
        let session_id = if resume {
            Some(need(&c.session_id, "resumeSession.sessionId")?.to_string())
        } else {
            None
        };
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| protocol(format!("{} before connect", c.cmd)))?;

        let provider = match c.provider {
            Some(spec) => {
                let (p, callback) = self.provider(spec, &reference, false)?;
                let mut config = ProviderConfig::new(p.base_url.clone().unwrap_or_default());
                copy_provider_fields!(config, p);
                if let Some(f) = callback {
                    set_callback(&mut config, f);
                }
                Some(config)
            }
            None => None,
        };
        let providers = match c.providers {
            Some(specs) => Some(
                specs
                    .into_iter()
                    .map(|spec| {
                        let (p, callback) = self.provider(spec, &reference, true)?;
                        let mut config = NamedProviderConfig::new(
                            p.name.clone().unwrap_or_default(),
                            p.base_url.clone().unwrap_or_default(),
                        );
                        copy_provider_fields!(config, p);
                        if let Some(f) = callback {
                            set_named_callback(&mut config, f);
                        }
                        Ok(config)
                    })
                    .collect::<Result<Vec<_>, Failure>>()?,
            ),
            None => None,
        };
        let models = c.models.map(|models| {
            models
                .into_iter()
                .map(|m| {
                    let config = ProviderModelConfig::new(m.id, m.provider);
                    match m.wire_model {
                        Some(w) => config.with_wire_model(w),
                        None => config,
                    }
                })
                .collect::<Vec<_>>()
        });
        let tools = c
            .tools
            .map(|specs| make_tools(specs, &reference, &self.tool_invocations));

        let session = if let Some(id) = session_id {
            let mut config =
                resume_with_model(ResumeSessionConfig::new(SessionId::from(id)), model)
                    .approve_all_permissions();
            (
                config.provider,
                config.providers,
                config.models,
                config.tools,
            ) = (provider, providers, models, tools);
            let session = timeout(Duration::from_secs(60), client.resume_session(config))
                .await
                .map_err(|_| Failure::from("resume_session did not return within 60s"))??;
            // Claim (and so discard) the events the resume replays: the
            // subscriptions of later sends must see only their own turn's.
            drop(session.subscribe());
            session
        } else {
            let mut config = SessionConfig::default()
                .with_model(model)
                .approve_all_permissions();
            (
                config.provider,
                config.providers,
                config.models,
                config.tools,
            ) = (provider, providers, models, tools);
            timeout(Duration::from_secs(60), client.create_session(config))
                .await
                .map_err(|_| Failure::from("create_session did not return within 60s"))??
        };
        let id = session.id().to_string();
        // Replacing a session of the same ref drops the old handle; the SDK
        // unregisters only that handle's own registration.
        self.sessions.insert(reference, session);
        Ok(json!({ "sessionId": id }))
    }

    async fn send(&self, c: &Command) -> Answer {
        let reference = need(&c.reference, "send.ref")?;
        let session = self
            .sessions
            .get(reference)
            .ok_or_else(|| protocol(format!("unknown session ref {reference:?}")))?;
        let prompt = need(&c.prompt, "send.prompt")?;
        let wait = Duration::from_millis(c.timeout_ms.unwrap_or(60_000));
        turn(session, prompt, wait).await
    }

    /// Starts a turn in each session before awaiting any (join_all polls
    /// them together); a turn's SDK error is its entry's, not the
    /// command's.
    async fn send_all(&self, c: &Command) -> Answer {
        let refs = c
            .refs
            .as_ref()
            .ok_or_else(|| protocol("sendAll.refs is required"))?;
        let prompt = need(&c.prompt, "sendAll.prompt")?;
        let wait = Duration::from_millis(c.timeout_ms.unwrap_or(60_000));
        let mut sessions = Vec::with_capacity(refs.len());
        for reference in refs {
            sessions.push(
                self.sessions
                    .get(reference)
                    .ok_or_else(|| protocol(format!("unknown session ref {reference:?}")))?,
            );
        }
        let ended = join_all(sessions.into_iter().map(|s| turn(s, prompt, wait))).await;
        let turns: Vec<Value> = refs
            .iter()
            .zip(ended)
            .map(|(reference, result)| match result {
                Ok(reply) => json!({ "ref": reference, "reply": reply["reply"] }),
                Err(e) => json!({ "ref": reference, "reply": "", "error": e.message }),
            })
            .collect();
        Ok(json!({ "turns": turns }))
    }

    /// Detaches one session with the SDK's own API and forgets its ref.
    async fn disconnect_session(&mut self, c: &Command) -> Answer {
        let reference = need(&c.reference, "disconnectSession.ref")?;
        let session = self
            .sessions
            .remove(reference)
            .ok_or_else(|| protocol(format!("unknown session ref {reference:?}")))?;
        session.disconnect().await?;
        Ok(json!({}))
    }

    /// Stops the SDK client, bounded so that exiting stays prompt.
    async fn stop_client(&mut self, within: Duration) -> Result<(), Failure> {
        self.sessions.clear();
        let Some(client) = self.client.take() else {
            return Ok(());
        };
        match timeout(within, client.stop()).await {
            Ok(result) => result.map_err(Failure::from),
            Err(_) => {
                client.force_stop();
                Err(Failure::from(format!(
                    "Client::stop did not return within {within:?}"
                )))
            }
        }
    }
}

/// Parses one command line, with its id when it has a well-formed one. A
/// malformed command is the suite's bug: a `protocol` error.
fn parse(line: &str) -> (Option<i64>, Result<Command, Failure>) {
    let value: Value = match serde_json::from_str(line) {
        Ok(value) => value,
        Err(e) => return (None, Err(protocol(format!("bad JSON: {e}")))),
    };
    let Some(id) = value.get("id").and_then(Value::as_i64) else {
        return (None, Err(protocol("command needs an integer id")));
    };
    let command = serde_json::from_value(value).map_err(|e| protocol(format!("bad command: {e}")));
    (Some(id), command)
}

fn panicked(panic: Box<dyn std::any::Any + Send>) -> Failure {
    let message = match panic.downcast::<String>() {
        Ok(message) => *message,
        Err(panic) => panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    };
    Failure::from(format!("panic: {message}"))
}

fn answer_line(id: Option<i64>, answer: Answer) -> String {
    match answer {
        Ok(result) => json!({ "id": id, "ok": true, "result": result }),
        Err(f) => {
            json!({ "id": id, "ok": false, "error": { "kind": f.kind, "message": f.message } })
        }
    }
    .to_string()
}

#[tokio::main]
async fn main() {
    // stdout belongs to the protocol: answers go out through this one locked
    // handle, and the SDK's logging (tracing) goes to stderr.
    let mut out = std::io::stdout().lock();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .init();
    eprintln!(
        "rust driver: github-copilot-sdk {SDK_VERSION} ({})",
        env!("COPILOT_SDK_SOURCE")
    );

    let (lines_tx, mut lines) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut input = BufReader::new(tokio::io::stdin()).lines();
        loop {
            match input.next_line().await {
                Ok(Some(line)) if line.trim().is_empty() => continue,
                Ok(Some(line)) => {
                    let _ = lines_tx.send(line);
                }
                Ok(None) => break,
                Err(e) => {
                    eprintln!("reading stdin: {e}");
                    break;
                }
            }
        }
        drop(lines_tx);
        // EOF: a command still in flight must not keep the driver alive past
        // the suite's one-second budget.
        sleep(Duration::from_millis(800)).await;
        std::process::exit(0);
    });

    let mut driver = Driver::default();
    while let Some(line) = lines.recv().await {
        let (id, command) = parse(&line);
        let stop = matches!(&command, Ok(c) if c.cmd == "stop");
        let answer = match command {
            // Anything the SDK panics on is answered, never fatal: a crash
            // would lose the answer the suite is waiting for.
            Ok(c) => AssertUnwindSafe(driver.handle(c))
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| Err(panicked(panic))),
            Err(failure) => Err(failure),
        };
        // RS before each answer marks it as protocol (PROTOCOL.md, "Framing").
        let written = writeln!(out, "\u{1e}{}", answer_line(id, answer)).and_then(|_| out.flush());
        if written.is_err() || stop {
            break; // stopped, or the suite is gone
        }
    }
    // stop, or EOF: half a second for the client, then out (the stdin
    // reader may still be blocked, so do not wait for the runtime to wind down).
    let _ = driver.stop_client(Duration::from_millis(500)).await;
    std::process::exit(0);
}

/// Sends a prompt in a session and waits for the turn's end.
async fn turn(session: &Session, prompt: &str, wait: Duration) -> Answer {
    // send_and_wait may return on a turn's error before its
    // session.idle; a send right after could then take that stale idle
    // for the end of its own turn. So a failed turn is over only once
    // its idle has been seen (bounded).
    let mut events = session.subscribe();
    match session
        .send_and_wait(MessageOptions::new(prompt).with_wait_timeout(wait))
        .await
    {
        Ok(event) => {
            let reply = event
                .as_ref()
                .and_then(|e| e.data.get("content"))
                .and_then(Value::as_str);
            Ok(json!({ "reply": reply.unwrap_or("") }))
        }
        Err(e) => {
            let idle = async {
                loop {
                    match events.recv().await {
                        Ok(event) if event.parsed_type() == SessionEventType::SessionIdle => {
                            break;
                        }
                        Err(e) if matches!(e.kind(), RecvErrorKind::Closed) => break,
                        _ => {}
                    }
                }
            };
            let _ = timeout(Duration::from_secs(5), idle).await;
            Err(e.into())
        }
    }
}
