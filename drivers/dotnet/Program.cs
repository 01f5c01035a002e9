// Conformance driver for the .NET Copilot SDK (NuGet GitHub.Copilot.SDK). It
// reads JSON-line commands on stdin and answers one JSON line each on stdout,
// as ../PROTOCOL.md specifies; every decision a scenario makes arrives as data.
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using GitHub.Copilot;
using Microsoft.Extensions.AI;
using TokenCallback = System.Func<GitHub.Copilot.ProviderTokenArgs, System.Threading.Tasks.Task<string>>;

// stdout belongs to the protocol: keep a private writer on it and send
// everything else that writes to Console.Out (the SDK included) to stderr.
var answers = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
Console.SetOut(Console.Error);

// Anything the SDK leaves unobserved is logged, never fatal.
TaskScheduler.UnobservedTaskException += (_, e) =>
{
    Console.Error.WriteLine($"unobserved task exception: {e.Exception}");
    e.SetObserved();
};

var lines = Channel.CreateUnbounded<string>();
_ = Task.Run(async () =>
{
    using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
    while (await stdin.ReadLineAsync() is { } line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            await lines.Writer.WriteAsync(line);
        }
    }
    lines.Writer.Complete();
    // On EOF, exit within a second even if a command is still running: the
    // suite has given up on it.
    await Task.Delay(TimeSpan.FromSeconds(1));
    Environment.Exit(0);
});

// Commands run strictly in order, one answer each.
var driver = new Driver();
await foreach (var line in lines.Reader.ReadAllAsync())
{
    var (answer, stop) = await driver.HandleAsync(line);
    // RS before each answer marks it as protocol (PROTOCOL.md, "Framing").
    answers.WriteLine("\u001e" + answer.ToJsonString(Driver.Json));
    if (stop)
    {
        break;
    }
}
try
{
    await driver.StopClientAsync(TimeSpan.FromMilliseconds(500));
}
catch (Exception e)
{
    Console.Error.WriteLine($"stopping the client: {e.Message}");
}
return 0;

sealed class Driver
{
    // The SDK's callback spelling per contract generation. This table is the
    // only place it appears: the first property of the callback's type found
    // on ProviderConfig is the one the driver sets and reports, so a
    // generation-1 SDK (GetBearerToken, 1.0.4) and a generation-2 one
    // (BearerTokenProvider) both build and run this same file.
    static readonly (string Field, int Generation)[] Spellings = [("BearerTokenProvider", 2), ("GetBearerToken", 1)];

    static readonly PropertyInfo? SingularCallback = CallbackProperty(typeof(ProviderConfig));
    static readonly PropertyInfo? NamedCallback = CallbackProperty(typeof(NamedProviderConfig));
    static readonly string? CallbackField = SingularCallback?.Name;
    static readonly int Generation = Spellings.FirstOrDefault(s => s.Field == CallbackField).Generation;

    static PropertyInfo? CallbackProperty(Type config) => Spellings
        .Select(s => config.GetProperty(s.Field))
        .FirstOrDefault(p => p is not null && p.CanWrite && p.PropertyType == typeof(TokenCallback));

    // The SDK's argument properties under the protocol's names; any other
    // property is reported under its camelCase name, so a field a later SDK
    // adds shows up without a driver change.
    static readonly Dictionary<string, string> ProtocolNames = new()
    {
        ["ProviderName"] = "providerName",
        ["SessionId"] = "sessionId",
    };

    static readonly string SdkVersion = ReadSdkVersion();

    static readonly string[] Capabilities = ["providers", "resume", "syncCallback", "asyncCallback", "disconnectSession", "stdio", "nullReturn", "concurrentSend", "tools"];

    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    CopilotClient? client;
    readonly Dictionary<string, CopilotSession> sessions = new();
    readonly List<Invocation> invocations = new(); // also the lock: callbacks run on the SDK's threads
    readonly JsonArray toolInvocations = new(); // guarded by invocations, as tools run on the SDK's threads too

    public async Task<(JsonObject Answer, bool Stop)> HandleAsync(string line)
    {
        JsonObject? cmd;
        try
        {
            cmd = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException e)
        {
            return (Failure(null, "protocol", $"bad JSON: {e.Message}"), false);
        }
        long? id = cmd?["id"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long n) ? n : null;
        try
        {
            if (cmd is null || id is null)
            {
                throw Protocol("a command is a JSON object with an integer id");
            }
            var name = cmd["cmd"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : null;
            JsonNode result;
            switch (name)
            {
                case "hello": result = Hello(); break;
                case "connect": result = await ConnectAsync(cmd); break;
                case "createSession": result = await OpenSessionAsync(cmd, resume: false); break;
                case "resumeSession": result = await OpenSessionAsync(cmd, resume: true); break;
                case "send": result = await SendAsync(cmd); break;
                case "sendAll": result = await SendAllAsync(cmd); break;
                case "invocations": result = Invocations(); break;
                case "disconnectSession": result = await DisconnectSessionAsync(cmd); break;
                case "disconnect": await StopClientAsync(TimeSpan.FromSeconds(1)); result = new JsonObject(); break;
                case "stop": result = new JsonObject(); break;
                default: throw Protocol($"unknown cmd {cmd["cmd"]?.ToJsonString() ?? "(none)"}");
            }
            return (new JsonObject { ["id"] = id, ["ok"] = true, ["result"] = result }, name == "stop");
        }
        catch (Exception e)
        {
            return e is DriverException d ? (Failure(id, d.Kind, d.Message), false) : (Failure(id, "sdk", SdkMessage(e)), false);
        }
    }

    static JsonObject Failure(long? id, string kind, string message) => new()
    {
        ["id"] = id,
        ["ok"] = false,
        ["error"] = new JsonObject { ["kind"] = kind, ["message"] = message },
    };

    // The SDK's own error text.
    static string SdkMessage(Exception e) => e switch
    {
        AggregateException a => string.Join("; ", a.InnerExceptions.Select(SdkMessage)),
        TargetInvocationException { InnerException: { } inner } => SdkMessage(inner),
        _ => e.Message,
    };

    JsonObject Hello()
    {
        if (CallbackField is null)
        {
            throw NoCallbackField();
        }
        return new JsonObject
        {
            ["sdk"] = "dotnet",
            ["sdkVersion"] = SdkVersion,
            ["language"] = "csharp",
            ["generation"] = Generation,
            ["callbackField"] = CallbackField,
            ["capabilities"] = new JsonArray(Capabilities.Select(c => (JsonNode?)c).ToArray()),
        };
    }

    // The informational version of the SDK assembly actually loaded, without
    // the "+<commit>" SourceLink appends: the release for a NuGet package,
    // the project's own version (0.0.0-dev) for a local checkout.
    static string ReadSdkVersion()
    {
        var assembly = typeof(CopilotClient).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "(unknown)";
        var plus = version.IndexOf('+');
        return plus < 0 ? version : version[..plus];
    }

    async Task<JsonNode> ConnectAsync(JsonObject cmd)
    {
        var address = AsString(Need(cmd, "runtimeAddress", "connect.runtimeAddress"), "connect.runtimeAddress");
        var transport = cmd["transport"] is { } t ? AsString(t, "connect.transport") : "tcp";
        if (client is not null)
        {
            throw Protocol("already connected");
        }
        RuntimeConnection connection = transport switch
        {
            // An already-running runtime: the SDK spawns nothing.
            "tcp" => RuntimeConnection.ForUri(address),
            // The SDK spawns the suite's shim as its runtime, which relays to the runtime under test.
            "stdio" => RuntimeConnection.ForStdio(
                AsString(Need(cmd, "stdioShim", "connect.stdioShim"), "connect.stdioShim"),
                new List<string> { "--connect", address }),
            _ => throw Protocol("connect.transport must be \"tcp\" or \"stdio\""),
        };
        var c = new CopilotClient(new CopilotClientOptions { Connection = connection });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await c.StartAsync(cts.Token);
        client = c;
        return new JsonObject();
    }

    async Task<JsonNode> OpenSessionAsync(JsonObject cmd, bool resume)
    {
        var what = resume ? "resumeSession" : "createSession";
        var @ref = AsString(Need(cmd, "ref", $"{what}.ref"), $"{what}.ref");
        var model = AsString(Need(cmd, "model", $"{what}.model"), $"{what}.model");
        var sessionId = resume ? AsString(Need(cmd, "sessionId", "resumeSession.sessionId"), "resumeSession.sessionId") : null;
        var provider = cmd["provider"] is { } p ? Singular(ParseProvider(p, @ref, named: false)) : null;
        var providers = cmd["providers"] is { } ps
            ? AsArray(ps, $"{what}.providers").Select(e => Named(ParseProvider(e, @ref, named: true))).ToList()
            : null;
        var models = cmd["models"] is { } ms ? AsArray(ms, $"{what}.models").Select(ParseModel).ToList() : null;
        var tools = cmd["tools"] is { } ts ? Tools(AsArray(ts, $"{what}.tools"), @ref) : null;
        if (client is null)
        {
            throw Protocol($"{what} before connect");
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var session = resume
            ? await client.ResumeSessionAsync(sessionId!, new ResumeSessionConfig
            {
                Model = model,
                Provider = provider,
                Providers = providers,
                Models = models,
                Tools = tools,
                OnPermissionRequest = PermissionHandler.ApproveAll,
            }, cts.Token)
            : await client.CreateSessionAsync(new SessionConfig
            {
                Model = model,
                Provider = provider,
                Providers = providers,
                Models = models,
                Tools = tools,
                OnPermissionRequest = PermissionHandler.ApproveAll,
            }, cts.Token);
        sessions[@ref] = session;
        return new JsonObject { ["sessionId"] = session.SessionId };
    }

    // The session's tools, each an AIFunction (the SDK's tool type, from
    // Microsoft.Extensions.AI) that answers its result with {n} the count of
    // invocations of that tool under this ref so far (a resume under the same
    // ref counts on), and records each invocation.
    List<AIFunctionDeclaration> Tools(JsonArray specs, string @ref)
    {
        var tools = new List<AIFunctionDeclaration>();
        foreach (var node in specs)
        {
            var spec = AsObject(node, "a tools entry");
            OnlyKeys(spec, "tool", "name", "description", "result");
            var name = AsString(Need(spec, "name", "tools[].name"), "tools[].name");
            var result = AsString(Need(spec, "result", "tools[].result"), "tools[].result");
            tools.Add(new ScriptedTool(name, AsString(Need(spec, "description", "tools[].description"), "tools[].description"),
                arguments =>
                {
                    int n;
                    lock (invocations)
                    {
                        n = 1 + toolInvocations.Count(t => (string?)t!["ref"] == @ref && (string?)t!["tool"] == name);
                        toolInvocations.Add(new JsonObject
                        {
                            ["ref"] = @ref, ["tool"] = name, ["n"] = n,
                            ["arguments"] = arguments is { } a ? JsonNode.Parse(a.GetRawText()) : null,
                        });
                    }
                    return result.Replace("{n}", n.ToString(CultureInfo.InvariantCulture));
                }));
        }
        return tools;
    }

    sealed record ProviderSpec(string? Name, string? Type, string? WireApi, string? BaseUrl, string? ApiKey,
        string? BearerToken, Dictionary<string, string>? Headers, TokenCallback? Callback);

    // ParseProvider reads one provider object strictly (a field the driver
    // does not know is the suite's bug, never silently lost) and builds its
    // callback, labelled <ref>/singular or <ref>/<name>.
    ProviderSpec ParseProvider(JsonNode? node, string @ref, bool named)
    {
        var o = AsObject(node, named ? "a providers entry" : "provider");
        OnlyKeys(o, "provider", "name", "type", "wireApi", "baseUrl", "apiKey", "bearerToken", "headers", "callback");
        string? Text(string field) => o[field] is { } f ? AsString(f, $"provider.{field}") : null;
        var name = Text("name");
        if (named && name is null)
        {
            throw Protocol("providers[].name is required");
        }
        if (!named && name is not null)
        {
            throw Protocol("the singular provider takes no name");
        }
        var headers = o["headers"] is { } h
            ? AsObject(h, "provider.headers").ToDictionary(kv => kv.Key, kv => AsString(kv.Value, "provider.headers values"))
            : null;
        TokenCallback? callback = null;
        if (o["callback"] is { } cb)
        {
            if ((named ? NamedCallback : SingularCallback) is null)
            {
                throw NoCallbackField();
            }
            callback = MakeCallback(cb, $"{@ref}/{(named ? name : "singular")}");
        }
        return new ProviderSpec(name, Text("type"), Text("wireApi"), Text("baseUrl"), Text("apiKey"), Text("bearerToken"), headers, callback);
    }

    // A provider without a callback gets no callback property at all, not even a null one.
    static ProviderConfig Singular(ProviderSpec p)
    {
        var config = new ProviderConfig { Type = p.Type, WireApi = p.WireApi, ApiKey = p.ApiKey, BearerToken = p.BearerToken, Headers = p.Headers };
        if (p.BaseUrl is not null)
        {
            config.BaseUrl = p.BaseUrl;
        }
        if (p.Callback is not null)
        {
            SingularCallback!.SetValue(config, p.Callback);
        }
        return config;
    }

    static NamedProviderConfig Named(ProviderSpec p)
    {
        var config = new NamedProviderConfig { Name = p.Name!, Type = p.Type, WireApi = p.WireApi, ApiKey = p.ApiKey, BearerToken = p.BearerToken, Headers = p.Headers };
        if (p.BaseUrl is not null)
        {
            config.BaseUrl = p.BaseUrl;
        }
        if (p.Callback is not null)
        {
            NamedCallback!.SetValue(config, p.Callback);
        }
        return config;
    }

    static ProviderModelConfig ParseModel(JsonNode? node)
    {
        var m = AsObject(node, "a models entry");
        OnlyKeys(m, "model", "id", "provider", "wireModel");
        return new ProviderModelConfig
        {
            Id = AsString(Need(m, "id", "models[].id"), "models[].id"),
            Provider = AsString(Need(m, "provider", "models[].provider"), "models[].provider"),
            WireModel = m["wireModel"] is { } w ? AsString(w, "models[].wireModel") : null,
        };
    }

    sealed record CallbackResponse(string? Token, string? Error, bool HasValue, JsonNode? Value, int DelayMs);

    static CallbackResponse ParseResponse(JsonNode? node)
    {
        var r = AsObject(node, "a callback response");
        OnlyKeys(r, "callback response", "token", "error", "value", "delayMs");
        var token = r["token"] is { } t ? AsString(t, "callback response token") : null;
        var error = r["error"] is { } e ? AsString(e, "callback response error") : null;
        var hasValue = r.ContainsKey("value");
        if ((token is null ? 0 : 1) + (error is null ? 0 : 1) + (hasValue ? 1 : 0) != 1)
        {
            throw Protocol("each callback response needs exactly one of token, error (strings) and value");
        }
        var value = r["value"];
        if (value is not null && !(value is JsonValue s && s.GetValueKind() == JsonValueKind.String))
        {
            throw Unsupported($"a .NET bearer-token callback is a Func<ProviderTokenArgs, Task<string>>: it can return a string or null, not {value.ToJsonString()}");
        }
        var delayMs = r["delayMs"] is { } d ? AsInt(d, "callback response delayMs") : 0;
        if (delayMs is < 0 or > int.MaxValue)
        {
            throw Protocol("callback response delayMs must be a non-negative integer");
        }
        return new CallbackResponse(token, error, hasValue, value?.DeepClone(), (int)delayMs);
    }

    // MakeCallback turns a callback spec into a delegate of the SDK's
    // callback type. Each invocation is recorded before it runs, so the list
    // is in start order.
    TokenCallback MakeCallback(JsonNode node, string label)
    {
        var spec = AsObject(node, "provider.callback");
        OnlyKeys(spec, "callback", "responses", "scope", "style");
        var responses = AsArray(Need(spec, "responses", "callback.responses"), "callback.responses").Select(ParseResponse).ToList();
        if (responses.Count == 0)
        {
            throw Protocol("callback.responses is empty");
        }
        var scope = spec["scope"] is { } sc ? AsString(sc, "callback.scope") : null;
        var style = spec["style"] is { } st ? AsString(st, "callback.style") : "async";
        if (style is not ("sync" or "async"))
        {
            throw Protocol("callback.style must be \"sync\" or \"async\"");
        }
        // The SDK calls the callback inline on its JSON-RPC read loop; a sync
        // callback could only wait by blocking that loop. Refuse rather than
        // test something else.
        if (style == "sync" && responses.Any(r => r.DelayMs > 0))
        {
            throw Unsupported("a sync callback cannot wait without blocking the SDK's read loop, which runs it inline");
        }
        var calls = 0;
        return args =>
        {
            _ = scope; // held here only, as a managed-identity callback holds its audience
            Invocation call;
            int n;
            lock (invocations)
            {
                n = ++calls;
                call = new Invocation(label, ArgsObject(args), Now());
                invocations.Add(call);
            }
            var r = responses[Math.Min(n, responses.Count) - 1];
            // sync: a completed task, or an exception thrown before any task
            // exists; async: a task that completes (or faults) later.
            return style == "sync" ? Task.FromResult(Settle(call, r, n)) : SettleLaterAsync(call, r, n);
        };
    }

    async Task<string> SettleLaterAsync(Invocation call, CallbackResponse r, int n)
    {
        // A timer, not a blocked thread: a slow callback never holds up the SDK's other work.
        if (r.DelayMs > 0)
        {
            await Task.Delay(r.DelayMs);
        }
        else
        {
            await Task.Yield();
        }
        return Settle(call, r, n);
    }

    string Settle(Invocation call, CallbackResponse r, int n)
    {
        lock (invocations)
        {
            call.EndedAt = Now();
            if (r.HasValue)
            {
                call.Outcome = "value";
                call.Result = r.Value?.DeepClone();
                return r.Value?.GetValue<string>()!; // null on purpose, where the spec says so
            }
            if (r.Error is not null)
            {
                call.Outcome = "error";
                call.Result = JsonValue.Create(r.Error);
                throw new InvalidOperationException(r.Error);
            }
            var token = r.Token!.Replace("{n}", n.ToString(CultureInfo.InvariantCulture));
            call.Outcome = "token";
            call.Result = JsonValue.Create(token);
            return token;
        }
    }

    static JsonObject ArgsObject(ProviderTokenArgs args)
    {
        var o = new JsonObject();
        foreach (var p in args.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // A field the SDK does not pass is absent, not null.
            if (p.GetIndexParameters().Length > 0 || p.GetValue(args) is not { } value)
            {
                continue;
            }
            var name = ProtocolNames.TryGetValue(p.Name, out var known) ? known : JsonNamingPolicy.CamelCase.ConvertName(p.Name);
            o[name] = JsonSerializer.SerializeToNode(value, p.PropertyType);
        }
        return o;
    }

    static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    JsonNode Invocations()
    {
        lock (invocations)
        {
            return new JsonObject
            {
                ["invocations"] = new JsonArray(invocations.Select(i => (JsonNode?)i.ToJson()).ToArray()),
                ["toolInvocations"] = toolInvocations.DeepClone(),
            };
        }
    }

    async Task<JsonNode> SendAsync(JsonObject cmd)
    {
        var session = SessionOf(cmd, "send");
        var prompt = AsString(Need(cmd, "prompt", "send.prompt"), "send.prompt");
        TimeSpan? timeout = cmd["timeoutMs"] is { } t ? TimeSpan.FromMilliseconds(AsInt(t, "send.timeoutMs")) : null;
        return new JsonObject { ["reply"] = await TurnAsync(session, prompt, timeout) };
    }

    // SendAllAsync starts a turn in each session before it awaits any; a
    // turn's SDK error is its entry's, not the command's.
    async Task<JsonNode> SendAllAsync(JsonObject cmd)
    {
        if (Need(cmd, "refs", "sendAll.refs") is not JsonArray refs || refs.Count == 0)
        {
            throw Protocol("sendAll.refs must be a non-empty array of session refs");
        }
        var prompt = AsString(Need(cmd, "prompt", "sendAll.prompt"), "sendAll.prompt");
        TimeSpan? timeout = cmd["timeoutMs"] is { } t ? TimeSpan.FromMilliseconds(AsInt(t, "sendAll.timeoutMs")) : null;
        var names = new List<string>();
        foreach (var r in refs)
        {
            var name = r is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (name is null || !sessions.ContainsKey(name))
            {
                throw Protocol($"unknown session ref {r?.ToJsonString() ?? "null"}");
            }
            names.Add(name);
        }
        var turns = names.Select(n => TurnAsync(sessions[n], prompt, timeout)).ToList();
        try
        {
            await Task.WhenAll(turns);
        }
        catch
        {
            // Each turn's own outcome is read below.
        }
        var result = new JsonArray();
        for (var i = 0; i < names.Count; i++)
        {
            result.Add(turns[i].IsCompletedSuccessfully
                ? new JsonObject { ["ref"] = names[i], ["reply"] = turns[i].Result }
                : new JsonObject { ["ref"] = names[i], ["reply"] = "", ["error"] = SdkMessage(turns[i].Exception!) });
        }
        return new JsonObject { ["turns"] = result };
    }

    async Task<string> TurnAsync(CopilotSession session, string prompt, TimeSpan? timeout)
    {
        // SendAndWaitAsync throws on session.error, before the turn's
        // session.idle arrives; a send right after could then take that stale
        // idle for its own end. So a failed turn is over only once its idle
        // has been seen (or 5 s have passed).
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = session.On<SessionIdleEvent>(_ => idle.TrySetResult());
        try
        {
            var message = await session.SendAndWaitAsync(new MessageOptions { Prompt = prompt }, timeout);
            return message?.Data?.Content ?? "";
        }
        catch
        {
            await Task.WhenAny(idle.Task, Task.Delay(TimeSpan.FromSeconds(5)));
            throw;
        }
    }

    async Task<JsonNode> DisconnectSessionAsync(JsonObject cmd)
    {
        var @ref = AsString(Need(cmd, "ref", "disconnectSession.ref"), "disconnectSession.ref");
        if (!sessions.Remove(@ref, out var session))
        {
            throw Protocol($"unknown session ref \"{@ref}\"");
        }
        await session.DisposeAsync();
        return new JsonObject();
    }

    CopilotSession SessionOf(JsonObject cmd, string what)
    {
        var @ref = AsString(Need(cmd, "ref", $"{what}.ref"), $"{what}.ref");
        return sessions.TryGetValue(@ref, out var session) ? session : throw Protocol($"unknown session ref \"{@ref}\"");
    }

    // StopClientAsync stops the SDK client (and with it its sessions), bounded
    // so that a runtime that does not answer cannot keep the driver alive.
    public async Task StopClientAsync(TimeSpan bound)
    {
        var c = client;
        client = null;
        sessions.Clear();
        if (c is null)
        {
            return;
        }
        var stop = c.StopAsync();
        if (await Task.WhenAny(stop, Task.Delay(bound)) != stop)
        {
            throw new TimeoutException($"CopilotClient.StopAsync did not return within {bound.TotalMilliseconds} ms");
        }
        await stop;
    }

    // Field checks: a wrong or missing field is the suite's bug.
    static JsonNode Need(JsonObject o, string name, string what) => o[name] ?? throw Protocol($"{what} is required");

    static string AsString(JsonNode? node, string what) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Protocol($"{what} must be a string");

    static long AsInt(JsonNode node, string what) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long i) ? i : throw Protocol($"{what} must be an integer");

    static JsonObject AsObject(JsonNode? node, string what) => node as JsonObject ?? throw Protocol($"{what} must be an object");

    static JsonArray AsArray(JsonNode node, string what) => node as JsonArray ?? throw Protocol($"{what} must be an array");

    static void OnlyKeys(JsonObject o, string what, params string[] known)
    {
        var extra = o.Select(kv => kv.Key).Where(k => !known.Contains(k)).ToList();
        if (extra.Count > 0)
        {
            throw Protocol($"unknown {what} field(s): {string.Join(", ", extra)}");
        }
    }

    static DriverException Protocol(string message) => new("protocol", message);

    static DriverException Unsupported(string message) => new("unsupported", message);

    static DriverException NoCallbackField() => Unsupported(
        $"GitHub.Copilot.SDK {SdkVersion} has no bearer-token callback property ({string.Join(" or ", Spellings.Select(s => s.Field))}) " +
        "of type Func<ProviderTokenArgs, Task<string>> on ProviderConfig / NamedProviderConfig");
}

// One callback invocation, as the invocations command reports it.
sealed class Invocation(string callback, JsonObject args, string startedAt)
{
    public string? EndedAt { get; set; } // absent while still running
    public string? Outcome { get; set; } // "token", "error" or "value", once it has ended
    public JsonNode? Result { get; set; }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["callback"] = callback, ["args"] = args.DeepClone(), ["startedAt"] = startedAt };
        if (EndedAt is not null)
        {
            o["endedAt"] = EndedAt;
        }
        if (Outcome is not null)
        {
            o[Outcome] = Result?.DeepClone();
        }
        return o;
    }
}

// A tool of the protocol as an AIFunction subclass rather than
// AIFunctionFactory.Create: the factory derives the schema from a delegate's
// parameters, and the protocol fixes the schema every driver sends. The
// SDK passes the call's ToolInvocation in the arguments' context; the
// result is TextContent, which the SDK sends as the tool's text (a bare
// string would be JSON-serialized, quotes and all).
sealed class ScriptedTool(string name, string description, Func<JsonElement?, string> call) : AIFunction
{
    static readonly JsonElement Parameters =
        JsonDocument.Parse("""{"type": "object", "properties": {"query": {"type": "string"}}}""").RootElement.Clone();

    public override string Name => name;

    public override string Description => description;

    public override JsonElement JsonSchema => Parameters;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var invocation = arguments.Context is { } context && context.TryGetValue(typeof(ToolInvocation), out var i)
            ? i as ToolInvocation
            : null;
        return ValueTask.FromResult<object?>(new TextContent(call(invocation?.Arguments)));
    }
}

// A failure of a kind other than "sdk" (see PROTOCOL.md).
sealed class DriverException(string kind, string message) : Exception(message)
{
    public string Kind { get; } = kind;
}
