package dashboard

// Rule is one rule of the contract (shared/CONTRACT.md), as the dashboard
// shows it above its scenarios.
type Rule struct {
	ID   string
	Text string
}

// Rules are BT-1 to BT-15, in order.
var Rules = []Rule{
	{"BT-1", "Wire flag: every provider object (singular `provider`, or an entry of `providers`) whose config has a callback carries `hasBearerTokenProvider: true` in `session.create`, and in `session.resume`."},
	{"BT-2", "Callback stripped: no provider object on the wire has a key naming the callback, in any casing or language spelling (`getBearerToken`, `bearerTokenProvider`, `get_bearer_token`, ...). A provider without a callback carries no `hasBearerTokenProvider: true`. Other provider fields (`type`, `baseUrl`, `wireApi`, `apiKey`, `headers`, ...) pass through unchanged."},
	{"BT-3", "Nothing scope-related or cached crosses the wire: no `bearerTokenScope`, `scope`, `audience`, `expiresOnTimestamp`; no token value appears in `session.create`/`session.resume`."},
	{"BT-4", "Default name: the singular provider's callback answers `providerToken.getToken` with `providerName: \"default\"`, and receives `providerName == \"default\"` in its arguments."},
	{"BT-5", "Per-provider dispatch: a request for provider X invokes X's callback and no other."},
	{"BT-6", "Per request, no caching: each `providerToken.getToken` request invokes the callback exactly once; N requests -> N invocations; the SDK answers `{ \"token\": <exactly what the callback returned> }` (no `Bearer ` prefix added, nothing trimmed or cached)."},
	{"BT-7", "Session id (gen 2): the callback receives the `sessionId` of the session the request names."},
	{"BT-8", "Session scoping: a request naming session A never reaches session B's callbacks; a request naming an unknown session gets a JSON-RPC error."},
	{"BT-9", "Unknown provider: a request for a provider with no callback gets a JSON-RPC error response (not a hang, not a crash, not an empty token); the connection stays usable."},
	{"BT-10", "Callback failure: a callback that throws / rejects / returns an error yields a JSON-RPC error response; the session and connection stay usable and the next request succeeds."},
	{"BT-11", "Concurrency: many `getToken` requests in flight at once are each answered, matched by request id, one invocation each."},
	{"BT-12", "Slow callbacks are awaited: a callback taking seconds is not cut short by the SDK."},
	{"BT-13", "Resume: `session.resume` with callbacks re-sends the flags and the callbacks given on resume are the ones invoked afterwards."},
	{"BT-14", "Precedence: a provider with both a static credential (`apiKey` / `bearerToken`) and a callback still carries the flag; the runtime applies the callback's token."},
	{"BT-15", "End to end: the token the callback returns reaches the model endpoint as `Authorization: Bearer <token>` on that request; rotating tokens give request i token i."},
}
