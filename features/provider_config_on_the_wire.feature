Feature: What the SDK sends in place of the bearer-token callback
  The callback lives only in the SDK. When a session is created, the SDK
  sends each provider with a flag, "hasBearerTokenProvider": true, where the
  callback was, and nothing from which the runtime could mint, scope or
  cache a token itself. Everything else about the provider is sent as given.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-1 Each provider with a callback is flagged on the wire
    When a session is created or resumed, every provider object whose config
    holds a bearer-token callback, the singular `provider` or an entry of
    `providers`, carries `"hasBearerTokenProvider": true` in `session.create` and
    in `session.resume`.

  @BT-1
  Scenario: The singular provider with a callback carries the flag
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    Then in the session.create request for session "A", the singular provider has "hasBearerTokenProvider": true

  @BT-1 @BT-2
  Scenario: Named providers carry the flag exactly where they have a callback
    When session "A" is created with model "red/default" and these providers:
      | name  | callback returns | apiKey     |
      | red   | red-{n}          |            |
      | green | green-{n}        |            |
      | blue  |                  | static-key |
    Then in the session.create request for session "A", provider "red" has "hasBearerTokenProvider": true
    And in the session.create request for session "A", provider "green" has "hasBearerTokenProvider": true
    And in the session.create request for session "A", provider "blue" does not have "hasBearerTokenProvider": true

    # session.provider.add (experimental in the runtime's RPC) adds named
    # providers to a running session. Whether an SDK flags one with a
    # callback, and whether a token request for it reaches that callback,
    # no upstream text says. Fake-only: a turn asks for the token of its
    # session's model's provider, and the driver protocol cannot move a
    # running session's model to a provider added later, so only the fake
    # runtime, asking on its own, sends a request for provider "late".
    @BT-1 @observed @fake-only @needs-addProviders
    Scenario: A provider with a callback added to a running session
      When session "A" is created with model "red/default" and these providers:
        | name | callback returns |
        | red  | red-{n}          |
      And session "A" is given, after its creation, a named provider "late" whose callback returns "late-{n}", and what the SDK sends for it is recorded as the observed behaviour "provider added later, on the wire"
      Then the callbacks a token request for provider "late" of session "A" reaches, and its answer within 5 s, are recorded as the observed behaviour "callback a request for a provider added later reaches"


  Rule: BT-2 The callback is stripped, and the rest of the provider is sent as given
    No provider object on the wire has a key that names the callback, in any
    language's spelling or casing (`getBearerToken`, `bearerTokenProvider`,
    `get_bearer_token`, ...). A provider without a callback is not flagged. Every
    other field of a provider (`type`, `baseUrl`, `wireApi`, `apiKey`, `bearerToken`,
    `headers`, ...) reaches the runtime unchanged.

  @BT-2
  Scenario: A singular provider without a callback is not flagged
    When session "A" is created with a singular provider with the API key "static-key" and no callback
    Then in the session.create request for session "A", the singular provider does not have "hasBearerTokenProvider": true
    And in the session.create request for session "A", the singular provider has "apiKey": "static-key"

  @BT-2
  Scenario: The callback itself never reaches the wire, singular provider
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    Then in the session.create request for session "A", no provider has a key naming the callback

  @BT-2
  Scenario: The callback itself never reaches the wire, named providers
    When session "A" is created with model "red/default" and these providers:
      | name  | callback returns | apiKey     |
      | red   | red-{n}          |            |
      | blue  |                  | static-key |
    Then in the session.create request for session "A", no provider has a key naming the callback

  @BT-2
  Scenario: Other fields of a provider with a callback pass through unchanged
    When session "A" is created with this singular provider:
      | type             | openai                                      |
      | wireApi          | completions                                 |
      | baseUrl          | <model endpoint>/tenant-7/v1                |
      | headers          | {"X-Tenant": "contoso", "X-Trace": "on"}    |
      | callback returns | tok-{n}                                     |
    Then in the session.create request for session "A", the singular provider has these fields:
      | type    | "openai"                                 |
      | wireApi | "completions"                            |
      | baseUrl | "<model endpoint>/tenant-7/v1"           |
      | headers | {"X-Tenant": "contoso", "X-Trace": "on"} |

  @BT-2
  Scenario: Other fields of named providers pass through unchanged
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns | apiKey     | wireApi     |
      | red  | red-{n}          |            | completions |
      | blue |                  | static-key | responses   |
    Then in the session.create request for session "A", provider "red" has these fields:
      | name    | "red"                         |
      | wireApi | "completions"                 |
      | baseUrl | "<model endpoint>/red/v1"     |
    And in the session.create request for session "A", provider "blue" has these fields:
      | name    | "blue"                        |
      | apiKey  | "static-key"                  |
      | wireApi | "responses"                   |
      | baseUrl | "<model endpoint>/blue/v1"    |

  Rule: BT-3 No scope, expiry or token crosses the wire when a session is set up
    The scope or audience the callback closes over stays in the SDK: no
    provider object carries `bearerTokenScope`, `scope`, `audience` or
    `expiresOnTimestamp`, and neither `session.create` nor `session.resume` carries a
    token.

  @BT-3
  Scenario: The scope the callback closes over never crosses the wire
    When session "A" is created with a singular provider whose callback returns "tok-{n}" for the scope "https://cognitiveservices.azure.com/.default"
    And the SDK sends "What is 5+5?" in session "A"
    Then the text "cognitiveservices.azure.com" appears in no frame on the wire
    And in the session.create request for session "A", no provider has a key for a scope, an audience or an expiry

  @BT-3
  Scenario: No token is sent when the session is created
    When session "A" is created with model "red/default" and these providers:
      | name  | callback returns | apiKey     |
      | red   | red-{n}          |            |
      | green | green-{n}        |            |
    Then the session.create request for session "A" contains none of the tokens its callbacks return
    And no callback has been invoked
