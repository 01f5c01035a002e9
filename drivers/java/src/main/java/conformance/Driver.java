// Conformance driver for the Java Copilot SDK (Maven com.github:copilot-sdk-java).
// It reads JSON-line commands on stdin and answers one JSON line each on
// stdout, as ../../../../../PROTOCOL.md specifies; every decision a scenario
// makes arrives as data.
package conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.github.copilot.AllowCopilotExperimental;
import com.github.copilot.CopilotClient;
import com.github.copilot.CopilotSession;
import com.github.copilot.generated.AssistantMessageEvent;
import com.github.copilot.generated.SessionErrorEvent;
import com.github.copilot.generated.SessionEvent;
import com.github.copilot.generated.SessionIdleEvent;
import com.github.copilot.rpc.CopilotClientOptions;
import com.github.copilot.rpc.MessageOptions;
import com.github.copilot.rpc.NamedProviderConfig;
import com.github.copilot.rpc.PermissionHandler;
import com.github.copilot.rpc.ProviderConfig;
import com.github.copilot.rpc.ProviderModelConfig;
import com.github.copilot.rpc.ProviderTokenArgs;
import com.github.copilot.rpc.ResumeSessionConfig;
import com.github.copilot.rpc.SessionConfig;
import com.github.copilot.rpc.ToolDefinition;
import com.github.copilot.rpc.ToolInvocation;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

// The bearer-token callback, named providers and the runtime connection are
// experimental in the SDK; its annotation processor refuses them at compile
// time unless the using code opts in.
@AllowCopilotExperimental
public final class Driver {

    /** The SDK's callback spelling per contract generation: a Java bean property of the provider configs. */
    private record Spelling(String field, int generation) {
    }

    // The only place either spelling appears. The first one whose setter the
    // loaded SDK's ProviderConfig has (taking a one-method interface from
    // ProviderTokenArgs to a CompletableFuture) is the one the driver sets and
    // reports, so a generation-1 SDK (1.0.4) and a generation-2 one build and
    // run this same file.
    private static final List<Spelling> SPELLINGS = List.of(
            new Spelling("bearerTokenProvider", 2), new Spelling("getBearerToken", 1));

    private static final List<String> CAPABILITIES = List.of(
            "providers", "resume", "syncCallback", "asyncCallback", "disconnectSession", "stdio", "nullReturn", "concurrentSend",
            "tools");

    private static final ObjectMapper JSON = new ObjectMapper();

    // RFC 3339 with a fixed six-digit fraction (Instant.toString drops a zero one).
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** How to give a provider config a callback: the setter, its interface, and that interface's one method. */
    private record CallbackSetter(Spelling spelling, Method setter, Class<?> type, Method method) {
    }

    private static final Optional<CallbackSetter> SINGULAR = callbackSetter(ProviderConfig.class);
    private static final Optional<CallbackSetter> NAMED = callbackSetter(NamedProviderConfig.class);
    private static final String SDK_VERSION = readSdkVersion();

    private CopilotClient client;
    private final Map<String, CopilotSession> sessions = new HashMap<>();
    private final List<Invocation> invocations = new ArrayList<>(); // also the lock: callbacks run on the SDK's threads
    private final ArrayNode toolInvocations = JSON.createArrayNode(); // guarded by invocations, as tools run there too

    /**
     * The argument with which the suite runs the driver once, while it makes
     * the class-data archive that later drivers start from
     * (internal/sdk/java.go, javaArchive): the driver first loads every
     * class of its classpath (the SDK, Jackson, the driver), so that the
     * archive holds what a scenario loads, not only what a hello does. Not
     * a protocol command: it changes no answer.
     */
    static final String LOAD_EVERY_CLASS = "--load-every-class";

    private static void loadEveryClass() {
        ClassLoader loader = Driver.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.endsWith(".jar")) {
                continue;
            }
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entry)) {
                for (var e = jar.entries(); e.hasMoreElements();) {
                    String name = e.nextElement().getName();
                    if (!name.endsWith(".class") || name.startsWith("META-INF/") || name.endsWith("module-info.class")) {
                        continue;
                    }
                    try {
                        Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.'), false, loader);
                    } catch (Throwable missing) {
                        // A class of an optional dependency that is not there: not needed.
                    }
                }
            } catch (java.io.IOException e) {
                System.err.println("reading " + entry + " for the class-data archive: " + e);
            }
        }
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 1 && argv[0].equals(LOAD_EVERY_CLASS)) {
            loadEveryClass();
        }
        // stdout belongs to the protocol: keep a private stream on it and send
        // everything else that writes to System.out (the SDK included) to stderr.
        PrintStream answers = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);

        BlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null;) {
                    if (!line.isBlank()) {
                        lines.add(Optional.of(line));
                    }
                }
            } catch (Exception e) {
                System.err.println("reading stdin: " + e);
            }
            lines.add(Optional.empty());
            // On EOF, exit within a second even if a command is still running:
            // the suite has given up on it. halt, not exit: a shutdown hook that
            // hangs must not keep the driver alive either.
            sleep(1000);
            Runtime.getRuntime().halt(0);
        }, "stdin");
        reader.setDaemon(true);
        reader.start();

        // Commands run strictly in order, one answer each.
        Driver driver = new Driver();
        for (Optional<String> line; (line = lines.take()).isPresent();) {
            Answer answer = driver.handle(line.get());
            // RS before each answer marks it as protocol (PROTOCOL.md, "Framing").
            answers.print("\u001e" + JSON.writeValueAsString(answer.json()) + "\n");
            answers.flush();
            if (answer.stop()) {
                break;
            }
        }
        try {
            driver.stopClient(500);
        } catch (Exception e) {
            System.err.println("stopping the client: " + message(e));
        }
        // The SDK's threads must not keep the JVM alive.
        System.exit(0);
    }

    private record Answer(ObjectNode json, boolean stop) {
    }

    private Answer handle(String line) {
        JsonNode cmd;
        try {
            cmd = JSON.readTree(line);
        } catch (Exception e) {
            return new Answer(failure(null, "protocol", "bad JSON: " + e.getMessage()), false);
        }
        JsonNode idNode = cmd == null ? null : cmd.get("id");
        Long id = idNode != null && idNode.isIntegralNumber() && idNode.canConvertToLong() ? idNode.asLong() : null;
        try {
            if (cmd == null || !cmd.isObject() || id == null) {
                throw protocol("a command is a JSON object with an integer id");
            }
            String name = cmd.path("cmd").isTextual() ? cmd.get("cmd").asText() : "";
            ObjectNode result = switch (name) {
                case "hello" -> hello();
                case "connect" -> connect(cmd);
                case "createSession" -> openSession(cmd, false);
                case "resumeSession" -> openSession(cmd, true);
                case "send" -> send(cmd);
                case "sendAll" -> sendAll(cmd);
                case "invocations" -> invocations();
                case "disconnectSession" -> disconnectSession(cmd);
                case "disconnect" -> {
                    stopClient(1000);
                    yield JSON.createObjectNode();
                }
                case "stop" -> JSON.createObjectNode();
                default -> throw protocol("unknown cmd " + cmd.path("cmd"));
            };
            ObjectNode answer = JSON.createObjectNode().put("id", id).put("ok", true);
            answer.set("result", result);
            return new Answer(answer, name.equals("stop"));
        } catch (DriverException e) {
            return new Answer(failure(id, e.kind, e.getMessage()), false);
        } catch (Exception e) {
            return new Answer(failure(id, "sdk", message(e)), false);
        }
    }

    private static ObjectNode failure(Long id, String kind, String message) {
        ObjectNode answer = JSON.createObjectNode();
        if (id == null) {
            answer.putNull("id");
        } else {
            answer.put("id", id);
        }
        answer.put("ok", false).putObject("error").put("kind", kind).put("message", message);
        return answer;
    }

    /** The SDK's own error text, from under the wrappers that futures and reflection add. */
    private static String message(Throwable e) {
        while ((e instanceof ExecutionException || e instanceof CompletionException
                || e instanceof InvocationTargetException || e instanceof UndeclaredThrowableException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private ObjectNode hello() {
        CallbackSetter setter = SINGULAR.orElseThrow(Driver::noCallbackField);
        ObjectNode result = JSON.createObjectNode().put("sdk", "java").put("sdkVersion", SDK_VERSION)
                .put("language", "java").put("generation", setter.spelling().generation())
                .put("callbackField", setter.spelling().field());
        CAPABILITIES.forEach(result.putArray("capabilities")::add);
        return result;
    }

    // The version in the Maven descriptor of the SDK jar actually loaded: the
    // release for a registry jar, the checkout's own for an SDK_SOURCE build.
    private static String readSdkVersion() {
        try (InputStream in = CopilotClient.class
                .getResourceAsStream("/META-INF/maven/com.github/copilot-sdk-java/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                if (p.getProperty("version") != null) {
                    return p.getProperty("version");
                }
            }
        } catch (Exception e) {
            System.err.println("reading the SDK's version: " + e);
        }
        String v = CopilotClient.class.getPackage().getImplementationVersion();
        return v != null ? v : "(unknown: the SDK jar has no Maven descriptor)";
    }

    private ObjectNode connect(JsonNode cmd) throws Exception {
        String address = text(cmd, "runtimeAddress", "connect");
        String transport = cmd.has("transport") ? text(cmd, "transport", "connect") : "tcp";
        if (client != null) {
            throw protocol("already connected");
        }
        // cliUrl / cliPath are the transport options every 1.0.x release has
        // (1.0.11 maps them onto its RuntimeConnection), so this one file runs
        // against generation-1 releases too.
        CopilotClientOptions options = new CopilotClientOptions();
        switch (transport) {
            // An already-running runtime: the SDK spawns nothing.
            case "tcp" -> options.setCliUrl(address);
            // The SDK spawns the suite's shim as its runtime; the shim relays to
            // the runtime under test. Our arguments go before the SDK's own.
            case "stdio" -> options.setUseStdio(true).setCliPath(text(cmd, "stdioShim", "connect"))
                    .setCliArgs(new String[]{"--connect", address});
            default -> throw protocol("connect.transport must be \"tcp\" or \"stdio\"");
        }
        CopilotClient c = new CopilotClient(options);
        try {
            c.start().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            c.forceStop();
            throw e;
        }
        client = c;
        return JSON.createObjectNode();
    }

    private ObjectNode openSession(JsonNode cmd, boolean resume) throws Exception {
        String what = resume ? "resumeSession" : "createSession";
        String ref = text(cmd, "ref", what);
        String model = text(cmd, "model", what);
        String sessionId = resume ? text(cmd, "sessionId", what) : null;
        ProviderConfig provider = cmd.has("provider") ? singular(cmd.get("provider"), ref) : null;
        List<NamedProviderConfig> providers = null;
        if (cmd.has("providers")) {
            providers = new ArrayList<>();
            for (JsonNode p : array(cmd.get("providers"), what + ".providers")) {
                providers.add(named(p, ref));
            }
        }
        List<ToolDefinition> tools = cmd.has("tools") ? tools(cmd.get("tools"), ref, what) : null;
        List<ProviderModelConfig> models = null;
        if (cmd.has("models")) {
            models = new ArrayList<>();
            for (JsonNode m : array(cmd.get("models"), what + ".models")) {
                models.add(model(m));
            }
        }
        if (client == null) {
            throw protocol(what + " before connect");
        }
        // Only what a turn needs to run unattended besides the providers: a
        // permission handler that approves everything.
        // The same setters twice: SessionConfig and ResumeSessionConfig share
        // them but no supertype, and both SDK generations must compile.
        CompletableFuture<CopilotSession> opening;
        if (resume) {
            ResumeSessionConfig config = new ResumeSessionConfig().setModel(model)
                    .setOnPermissionRequest(PermissionHandler.APPROVE_ALL);
            if (provider != null) {
                config.setProvider(provider);
            }
            if (providers != null) {
                config.setProviders(providers);
            }
            if (models != null) {
                config.setModels(models);
            }
            if (tools != null) {
                config.setTools(tools);
            }
            opening = client.resumeSession(sessionId, config);
        } else {
            SessionConfig config = new SessionConfig().setModel(model)
                    .setOnPermissionRequest(PermissionHandler.APPROVE_ALL);
            if (provider != null) {
                config.setProvider(provider);
            }
            if (providers != null) {
                config.setProviders(providers);
            }
            if (models != null) {
                config.setModels(models);
            }
            if (tools != null) {
                config.setTools(tools);
            }
            opening = client.createSession(config);
        }
        CopilotSession session = opening.get(60, TimeUnit.SECONDS);
        sessions.put(ref, session);
        return JSON.createObjectNode().put("sessionId", session.getSessionId());
    }

    private static final Set<String> PROVIDER_FIELDS = Set.of(
            "name", "type", "wireApi", "baseUrl", "apiKey", "bearerToken", "headers", "callback");

    // Each provider field goes to the SDK's field of the same meaning, and only
    // when the scenario gave it. A provider without a callback gets no callback
    // at all, not even a null one.
    private ProviderConfig singular(JsonNode node, String ref) throws Exception {
        ObjectNode p = object(node, "provider");
        onlyKeys(p, "provider", PROVIDER_FIELDS);
        if (p.has("name")) {
            throw protocol("the singular provider takes no name");
        }
        ProviderConfig config = new ProviderConfig();
        optText(p, "type").ifPresent(config::setType);
        optText(p, "wireApi").ifPresent(config::setWireApi);
        optText(p, "baseUrl").ifPresent(config::setBaseUrl);
        optText(p, "apiKey").ifPresent(config::setApiKey);
        optText(p, "bearerToken").ifPresent(config::setBearerToken);
        headers(p).ifPresent(config::setHeaders);
        if (p.has("callback")) {
            setCallback(SINGULAR, config, makeCallback(p.get("callback"), ref + "/singular"));
        }
        return config;
    }

    private NamedProviderConfig named(JsonNode node, String ref) throws Exception {
        ObjectNode p = object(node, "a providers entry");
        onlyKeys(p, "provider", PROVIDER_FIELDS);
        String name = text(p, "name", "providers[]");
        NamedProviderConfig config = new NamedProviderConfig().setName(name);
        optText(p, "type").ifPresent(config::setType);
        optText(p, "wireApi").ifPresent(config::setWireApi);
        optText(p, "baseUrl").ifPresent(config::setBaseUrl);
        optText(p, "apiKey").ifPresent(config::setApiKey);
        optText(p, "bearerToken").ifPresent(config::setBearerToken);
        headers(p).ifPresent(config::setHeaders);
        if (p.has("callback")) {
            setCallback(NAMED, config, makeCallback(p.get("callback"), ref + "/" + name));
        }
        return config;
    }

    private static Optional<Map<String, String>> headers(ObjectNode p) {
        if (!p.has("headers")) {
            return Optional.empty();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        object(p.get("headers"), "provider.headers").properties()
                .forEach(e -> headers.put(e.getKey(), text(e.getValue(), "provider.headers values")));
        return Optional.of(headers);
    }

    private static ProviderModelConfig model(JsonNode node) {
        ObjectNode m = object(node, "a models entry");
        onlyKeys(m, "model", Set.of("id", "provider", "wireModel"));
        ProviderModelConfig config = new ProviderModelConfig().setId(text(m, "id", "models[]"))
                .setProvider(text(m, "provider", "models[]"));
        optText(m, "wireModel").ifPresent(config::setWireModel);
        return config;
    }

    // ---- tools ----

    /** The parameters every tool of the protocol takes. */
    private static final Map<String, Object> TOOL_PARAMETERS = Map.of(
            "type", "object", "properties", Map.of("query", Map.of("type", "string")));

    // The session's tools, each made with the SDK's ToolDefinition.create (in
    // every release from 1.0.4 on, unlike the experimental ToolDefinition.from).
    // A tool answers its result with {n} the count of invocations of that tool
    // under this ref so far (a resume under the same ref counts on), and
    // records each invocation.
    private List<ToolDefinition> tools(JsonNode node, String ref, String what) {
        List<ToolDefinition> tools = new ArrayList<>();
        for (JsonNode t : array(node, what + ".tools")) {
            ObjectNode spec = object(t, "a tools entry");
            onlyKeys(spec, "tool", Set.of("name", "description", "result"));
            String name = text(spec, "name", "tools[]");
            String result = text(spec, "result", "tools[]");
            tools.add(ToolDefinition.create(name, text(spec, "description", "tools[]"), TOOL_PARAMETERS,
                    (ToolInvocation invocation) -> {
                        int n = 1;
                        synchronized (invocations) {
                            for (JsonNode earlier : toolInvocations) {
                                if (earlier.get("ref").asText().equals(ref) && earlier.get("tool").asText().equals(name)) {
                                    n++;
                                }
                            }
                            ObjectNode entry = toolInvocations.addObject().put("ref", ref).put("tool", name)
                                    .put("n", n);
                            entry.set("arguments", JSON.valueToTree(invocation.getArguments()));
                        }
                        return CompletableFuture.completedFuture(result.replace("{n}", Integer.toString(n)));
                    }));
        }
        return tools;
    }

    // ---- callbacks ----

    /** The provider config's setter of the first spelling it has. */
    private static Optional<CallbackSetter> callbackSetter(Class<?> config) {
        for (Spelling s : SPELLINGS) {
            String name = "set" + Character.toUpperCase(s.field().charAt(0)) + s.field().substring(1);
            for (Method setter : config.getMethods()) {
                if (!setter.getName().equals(name) || setter.getParameterCount() != 1) {
                    continue;
                }
                Class<?> type = setter.getParameterTypes()[0];
                List<Method> abstracts = type.isInterface()
                        ? Arrays.stream(type.getMethods()).filter(m -> Modifier.isAbstract(m.getModifiers())).toList()
                        : List.of();
                if (abstracts.size() == 1
                        && Arrays.equals(abstracts.get(0).getParameterTypes(), new Class<?>[]{ProviderTokenArgs.class})
                        && abstracts.get(0).getReturnType().isAssignableFrom(CompletableFuture.class)) {
                    return Optional.of(new CallbackSetter(s, setter, type, abstracts.get(0)));
                }
            }
        }
        return Optional.empty();
    }

    // The callback as an instance of the SDK's own functional interface (its
    // name differs between generations, so it is implemented by a proxy rather
    // than a lambda naming it).
    private static void setCallback(Optional<CallbackSetter> found, Object config,
            Function<ProviderTokenArgs, CompletableFuture<String>> callback) throws Exception {
        CallbackSetter s = found.orElseThrow(Driver::noCallbackField);
        Object instance = Proxy.newProxyInstance(s.type().getClassLoader(), new Class<?>[]{s.type()},
                (proxy, method, args) -> {
                    if (method.equals(s.method())) {
                        return callback.apply((ProviderTokenArgs) args[0]);
                    }
                    return switch (method.getName()) {
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "toString" -> "conformance callback (" + s.spelling().field() + ")";
                        default -> throw new UnsupportedOperationException(method.toString());
                    };
                });
        s.setter().invoke(config, instance);
    }

    /** One scripted response: a token, an error, or a raw value, after delayMs. */
    private record Response(String token, String error, boolean hasValue, JsonNode value, long delayMs) {
    }

    private static Response response(JsonNode node) {
        ObjectNode r = object(node, "a callback response");
        onlyKeys(r, "callback response", Set.of("token", "error", "value", "delayMs"));
        String token = r.has("token") ? text(r, "token", "callback response") : null;
        String error = r.has("error") ? text(r, "error", "callback response") : null;
        if ((token != null ? 1 : 0) + (error != null ? 1 : 0) + (r.has("value") ? 1 : 0) != 1) {
            throw protocol("each callback response needs exactly one of token, error (strings) and value");
        }
        JsonNode value = r.get("value");
        // A CompletableFuture<String> can carry a string or null; anything
        // else would take an unchecked cast, which is not the language's doing.
        if (value != null && !value.isNull() && !value.isTextual()) {
            throw unsupported("a Java bearer-token callback returns CompletableFuture<String>: it can complete with a"
                    + " string or null, not " + value);
        }
        JsonNode delay = r.path("delayMs");
        if (r.has("delayMs") && !(delay.isIntegralNumber() && delay.canConvertToLong() && delay.asLong() >= 0)) {
            throw protocol("callback response delayMs must be a non-negative integer");
        }
        return new Response(token, error, value != null, value, delay.asLong(0));
    }

    // makeCallback turns a callback spec into the callback's body. Each
    // invocation is recorded before it runs, so the list is in start order.
    private Function<ProviderTokenArgs, CompletableFuture<String>> makeCallback(JsonNode node, String label) {
        ObjectNode spec = object(node, "provider.callback");
        onlyKeys(spec, "callback", Set.of("responses", "scope", "style"));
        List<Response> responses = new ArrayList<>();
        for (JsonNode r : array(spec.path("responses"), "callback.responses")) {
            responses.add(response(r));
        }
        if (responses.isEmpty()) {
            throw protocol("callback.responses is empty");
        }
        String scope = optText(spec, "scope").orElse(null);
        String style = optText(spec, "style").orElse("async");
        if (!style.equals("sync") && !style.equals("async")) {
            throw protocol("callback.style must be \"sync\" or \"async\"");
        }
        // The SDK runs callbacks on its executor, by default the common
        // ForkJoinPool (one thread on a two-core machine); a sync callback could
        // only wait by blocking it. Refuse rather than test something else.
        if (style.equals("sync") && responses.stream().anyMatch(r -> r.delayMs() > 0)) {
            throw unsupported("a sync callback cannot wait without blocking the SDK's executor, which runs it");
        }
        boolean sync = style.equals("sync");
        int[] calls = {0}; // guarded by invocations
        return args -> {
            String audience = scope; // held here only, as a managed-identity callback holds its audience
            Invocation call;
            int n;
            synchronized (invocations) {
                n = ++calls[0];
                call = new Invocation(label, argsObject(args), now());
                invocations.add(call);
            }
            Response r = responses.get(Math.min(n, responses.size()) - 1);
            // sync: a completed future, or an exception thrown before any future
            // exists; async: a future completed (or failed) later, on a timer
            // thread, so a slow callback never holds up the SDK's other work.
            if (sync) {
                return CompletableFuture.completedFuture(settle(call, r, n));
            }
            return CompletableFuture.supplyAsync(() -> settle(call, r, n),
                    CompletableFuture.delayedExecutor(r.delayMs(), TimeUnit.MILLISECONDS));
        };
    }

    private String settle(Invocation call, Response r, int n) {
        synchronized (invocations) {
            call.endedAt = now();
            if (r.hasValue()) {
                call.outcome = "value";
                call.result = r.value();
                return r.value().isNull() ? null : r.value().asText(); // null on purpose, where the spec says so
            }
            if (r.error() != null) {
                call.outcome = "error";
                call.result = TextNode.valueOf(r.error());
                throw new RuntimeException(r.error());
            }
            String token = r.token().replace("{n}", Integer.toString(n));
            call.outcome = "token";
            call.result = TextNode.valueOf(token);
            return token;
        }
    }

    // The arguments exactly as the SDK passed them: every bean property of its
    // ProviderTokenArgs under its own name (providerName, sessionId: the
    // protocol's names too), so a field a later SDK adds shows up without a
    // driver change. A property the SDK left null was not passed.
    private static ObjectNode argsObject(ProviderTokenArgs args) {
        ObjectNode o = JSON.createObjectNode();
        if (args == null) {
            return o;
        }
        Method[] getters = args.getClass().getMethods();
        Arrays.sort(getters, Comparator.comparing(Method::getName));
        for (Method m : getters) {
            String name = m.getName();
            int prefix = name.startsWith("get") ? 3 : name.startsWith("is") && m.getReturnType() == boolean.class ? 2 : 0;
            if (prefix == 0 || name.length() == prefix || m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object value = m.invoke(args);
                if (value != null) {
                    String field = Character.toLowerCase(name.charAt(prefix)) + name.substring(prefix + 1);
                    o.set(field, JSON.valueToTree(value));
                }
            } catch (ReflectiveOperationException e) {
                System.err.println("reading " + name + " of the callback's arguments: " + e);
            }
        }
        return o;
    }

    private static String now() {
        return STAMP.format(Instant.now());
    }

    /** One callback invocation, as the invocations command reports it. */
    private static final class Invocation {
        final String callback;
        final ObjectNode args;
        final String startedAt;
        String endedAt; // null while still running
        String outcome; // "token", "error" or "value", once it has ended
        JsonNode result;

        Invocation(String callback, ObjectNode args, String startedAt) {
            this.callback = callback;
            this.args = args;
            this.startedAt = startedAt;
        }

        ObjectNode toJson() {
            ObjectNode o = JSON.createObjectNode().put("callback", callback);
            o.set("args", args.deepCopy());
            o.put("startedAt", startedAt);
            if (endedAt != null) {
                o.put("endedAt", endedAt);
            }
            if (outcome != null) {
                o.set(outcome, result);
            }
            return o;
        }
    }

    private ObjectNode invocations() {
        ObjectNode result = JSON.createObjectNode();
        ArrayNode list = result.putArray("invocations");
        synchronized (invocations) {
            invocations.forEach(i -> list.add(i.toJson()));
            result.set("toolInvocations", toolInvocations.deepCopy());
        }
        return result;
    }

    // ---- turns and teardown ----

    private ObjectNode send(JsonNode cmd) throws Exception {
        CopilotSession session = session(cmd, "send");
        String prompt = text(cmd, "prompt", "send");
        return JSON.createObjectNode().put("reply", turn(session, prompt, timeoutMs(cmd, "send")));
    }

    private static long timeoutMs(JsonNode cmd, String what) {
        long timeoutMs = 60_000; // the SDK's own default for sendAndWait
        if (cmd.has("timeoutMs")) {
            JsonNode t = cmd.get("timeoutMs");
            if (!t.isIntegralNumber() || !t.canConvertToLong() || t.asLong() <= 0) {
                throw protocol(what + ".timeoutMs must be a positive integer");
            }
            timeoutMs = t.asLong();
        }
        return timeoutMs;
    }

    /**
     * Starts a turn in each session, each on a thread of its own, before it
     * waits for any; a turn's SDK error is its entry's, not the command's.
     */
    private ObjectNode sendAll(JsonNode cmd) throws Exception {
        JsonNode refs = cmd.get("refs");
        if (refs == null || !refs.isArray() || refs.isEmpty()) {
            throw protocol("sendAll.refs must be a non-empty array of session refs");
        }
        String prompt = text(cmd, "prompt", "sendAll");
        long timeoutMs = timeoutMs(cmd, "sendAll");
        List<String> names = new ArrayList<>();
        List<CopilotSession> targets = new ArrayList<>();
        for (JsonNode ref : refs) {
            CopilotSession session = ref.isTextual() ? sessions.get(ref.asText()) : null;
            if (session == null) {
                throw protocol("unknown session ref " + ref);
            }
            names.add(ref.asText());
            targets.add(session);
        }
        List<CompletableFuture<String>> turns = new ArrayList<>();
        for (CopilotSession session : targets) {
            CompletableFuture<String> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    f.complete(turn(session, prompt, timeoutMs));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            }, "sendAll");
            t.setDaemon(true);
            t.start();
            turns.add(f);
        }
        ArrayNode out = JSON.createArrayNode();
        for (int i = 0; i < turns.size(); i++) {
            ObjectNode entry = out.addObject().put("ref", names.get(i));
            try {
                entry.put("reply", turns.get(i).get());
            } catch (ExecutionException e) {
                entry.put("reply", "").put("error", message(e.getCause()));
            }
        }
        ObjectNode result = JSON.createObjectNode();
        result.set("turns", out);
        return result;
    }

    private String turn(CopilotSession session, String prompt, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        // send and the session's events rather than sendAndWait, which can end
        // on the previous turn's session.idle (README.md, "sendAndWait").
        Turn turn = new Turn();
        try (Closeable subscription = session.on(turn)) {
            session.send(new MessageOptions().setPrompt(prompt)).get(timeoutMs, TimeUnit.MILLISECONDS);
            try {
                CompletableFuture.anyOf(turn.idle, turn.error)
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new DriverException("sdk", "timed out after " + timeoutMs + " ms waiting for session.idle");
            }
            if (turn.error.isDone()) {
                // A failed turn is over only once its idle has been seen too
                // (bounded): a send right after must not take that idle for
                // its own end.
                try {
                    turn.idle.get(5, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    System.err.println("no session.idle within 5 s of the turn's session.error");
                }
                throw new DriverException("sdk", turn.error.get());
            }
            return turn.idle.get();
        }
    }

    /**
     * One turn, as this session's events tell it. Its end is the first
     * session.idle after another event: an idle that arrives first is the end
     * of the turn before (the SDK may hand a handler added while that idle is
     * being dispatched the same event).
     */
    private static final class Turn implements Consumer<SessionEvent> {
        final CompletableFuture<String> idle = new CompletableFuture<>(); // the reply: the last assistant message
        final CompletableFuture<String> error = new CompletableFuture<>(); // session.error's message
        private volatile boolean started;
        private volatile String reply = "";

        @Override
        public void accept(SessionEvent event) {
            if (event instanceof SessionIdleEvent) {
                if (started) {
                    idle.complete(reply);
                }
                return;
            }
            started = true;
            if (event instanceof AssistantMessageEvent m && m.getData() != null) {
                reply = m.getData().content() == null ? "" : m.getData().content();
            } else if (event instanceof SessionErrorEvent e) {
                error.complete(e.getData() != null && e.getData().message() != null ? e.getData().message()
                        : "session.error");
            }
        }
    }

    private ObjectNode disconnectSession(JsonNode cmd) {
        String ref = text(cmd, "ref", "disconnectSession");
        CopilotSession session = sessions.remove(ref);
        if (session == null) {
            throw protocol("unknown session ref \"" + ref + "\"");
        }
        // The SDK's one per-session teardown (it sends session.destroy).
        session.close();
        return JSON.createObjectNode();
    }

    private CopilotSession session(JsonNode cmd, String what) {
        String ref = text(cmd, "ref", what);
        CopilotSession session = sessions.get(ref);
        if (session == null) {
            throw protocol("unknown session ref \"" + ref + "\"");
        }
        return session;
    }

    // stopClient stops the SDK client (and with it its sessions), bounded so
    // that a runtime that does not answer cannot keep the driver alive.
    private void stopClient(long ms) throws Exception {
        CopilotClient c = client;
        client = null;
        sessions.clear();
        if (c == null) {
            return;
        }
        try {
            c.stop().get(ms, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new DriverException("sdk", "CopilotClient.stop() did not complete within " + ms + " ms");
        }
    }

    // ---- field checks: a wrong or missing field is the suite's bug ----

    private static String text(JsonNode o, String field, String what) {
        JsonNode v = o.get(field);
        if (v == null) {
            throw protocol(what + "." + field + " is required");
        }
        return text(v, what + "." + field);
    }

    private static String text(JsonNode v, String what) {
        if (!v.isTextual()) {
            throw protocol(what + " must be a string");
        }
        return v.asText();
    }

    private static Optional<String> optText(ObjectNode o, String field) {
        return o.has(field) ? Optional.of(text(o.get(field), field)) : Optional.empty();
    }

    private static ObjectNode object(JsonNode v, String what) {
        if (v == null || !v.isObject()) {
            throw protocol(what + " must be an object");
        }
        return (ObjectNode) v;
    }

    private static ArrayNode array(JsonNode v, String what) {
        if (v == null || !v.isArray()) {
            throw protocol(what + " must be an array");
        }
        return (ArrayNode) v;
    }

    private static void onlyKeys(ObjectNode o, String what, Set<String> known) {
        List<String> extra = new ArrayList<>();
        o.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                extra.add(k);
            }
        });
        if (!extra.isEmpty()) {
            throw protocol("unknown " + what + " field(s): " + String.join(", ", extra));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A failure of a kind other than "sdk" (see PROTOCOL.md). */
    private static final class DriverException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String kind;

        DriverException(String kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    private static DriverException protocol(String message) {
        return new DriverException("protocol", message);
    }

    private static DriverException unsupported(String message) {
        return new DriverException("unsupported", message);
    }

    private static DriverException noCallbackField() {
        return unsupported("copilot-sdk-java " + SDK_VERSION + " has no bearer-token callback setter ("
                + String.join(" or ", SPELLINGS.stream().map(Spelling::field).toList())
                + ") taking ProviderTokenArgs on ProviderConfig / NamedProviderConfig");
    }
}
