Feature: How the SDK answers the runtime's token requests
  Before each model request the runtime asks the SDK for a token with
  providerToken.getToken {sessionId, providerName}. The SDK calls the
  matching callback, once per request, and answers {"token": <what the
  callback returned>}, unchanged. The singular provider is named "default".

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-4 The singular provider is named "default"
    The runtime asks for the singular provider's token with `providerName`
    `"default"`. The SDK routes that request to the singular provider's callback,
    which receives `providerName` `"default"` in its arguments.

  @BT-4
  Scenario: The singular provider is asked for as "default" in a turn
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And the runtime sent 1 token request for session "A", each for provider "default"
    And the SDK answered the token requests, in order, with the tokens "tok-1"
    And every invocation of the callback "A/singular" received the providerName "default"

  @BT-4 @fake-only
  Scenario: A direct request for "default" reaches the singular provider's callback
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the runtime asks session "A" for a token for provider "default" 2 times in a row
    Then the SDK answered the token requests, in order, with the tokens "tok-1", "tok-2"
    And the callback "A/singular" was invoked 2 times
    And every invocation of the callback "A/singular" received the providerName "default"

  # The same within one turn, on both runtimes: a tool call makes it two
  # model requests.
  @BT-4 @needs-tools
  Scenario: Every request of a turn with a tool call asks for "default" and reaches the singular provider's callback
    Given the model endpoint answers each turn with 1 round of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    Then the runtime sent 2 token requests for session "A", each for provider "default"
    And the SDK answered the token requests, in order, with the tokens "tok-1", "tok-2"
    And the callback "A/singular" was invoked 2 times
    And every invocation of the callback "A/singular" received the providerName "default"

    # The singular provider is "default" on the wire; a named provider may
    # carry the same name. Which callback then answers "default", or
    # whether the SDK refuses the config, no upstream text says. Fake-only:
    # the request is sent directly so that the SDK's choice alone is
    # recorded; in a turn, the real runtime's own routing between the two
    # "default"s would decide first.
    @BT-4 @observed @fake-only
    Scenario: A named provider called "default" beside a singular provider with a callback
      When session "A" is created with a singular provider whose callback returns "singular-{n}" and a named provider "default" whose callback returns "named-{n}", and whether the SDK takes that config is recorded as the observed behaviour "named provider default beside a singular one"
      Then the callbacks a token request for provider "default" of session "A" reaches, and its answer within 5 s, are recorded as the observed behaviour "callback a request for default reaches"

    # Malformed requests: what the SDK answers a request whose providerName
    # is missing, not a string, or "default" in another case, no upstream
    # text says, so it is recorded; that the connection still serves a
    # well-formed request afterwards is checked ("$A" is session A's id).
    # Fake-only: the real runtime sends only well-formed requests.
    @BT-4 @observed @fake-only
    Scenario Outline: A token request whose providerName is <what>, and a well-formed one after it
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      And the runtime sends, on the connection of session "A", a token request with the params <params>, and records the answer within 5 s as the observed behaviour "answer when providerName is <what>"
      Then the connection still serves a well-formed request: a token request for provider "default" of session "A" is answered within 5 s with the token of the callback "A/singular"

      Examples:
        | what                    | params                                         |
        | missing                 | {"sessionId": "$A"}                            |
        | a number                | {"sessionId": "$A", "providerName": 7}         |
        | null                    | {"sessionId": "$A", "providerName": null}      |
        | Default (capital D)    | {"sessionId": "$A", "providerName": "Default"} |


  Rule: BT-5 A request invokes the callback of the provider it names, and no other
    A token request for provider X invokes X's callback and no other
    provider's, whether the runtime asks in a turn or directly. A provider
    without a callback is never asked for a token.

  # Fake-only: it asks one session for two providers' tokens; the real
  # runtime asks only for the provider that serves the session's model (the
  # turn scenarios below check that on both runtimes).
  @BT-5 @fake-only
  Scenario: A request for one named provider invokes that provider's callback only
    When session "A" is created with model "red/default" and these providers:
      | name  | callback returns | apiKey     |
      | red   | red-{n}          |            |
      | green | green-{n}        |            |
      | blue  |                  | static-key |
    And the runtime asks session "A" for a token for provider "green" 2 times in a row
    And the runtime asks session "A" for a token for provider "red" 1 time in a row
    Then the SDK answered the token requests, in order, with the tokens "green-1", "green-2", "red-1"
    And the callback "A/green" was invoked 2 times
    And the callback "A/red" was invoked 1 time
    And every invocation of the callback "A/green" received the providerName "green"
    And every invocation of the callback "A/red" received the providerName "red"

  @BT-5
  Scenario: A turn on a named provider invokes that provider's callback only
    When session "A" is created with model "green/default" and these providers:
      | name  | callback returns | apiKey     |
      | red   | red-{n}          |            |
      | green | green-{n}        |            |
      | blue  |                  | static-key |
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And the runtime sent 1 token request for session "A", each for provider "green"
    And the SDK answered the token requests, in order, with the tokens "green-1"
    And the callback "A/green" was invoked 1 time
    And the callback "A/red" was not invoked

  @BT-5 @needs-tools
  Scenario: Every request of a turn with tool calls on a named provider invokes that provider's callback only
    Given the model endpoint answers each turn with 2 rounds of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with model "green/default" and these providers:
      | name  | callback returns | apiKey     |
      | red   | red-{n}          |            |
      | green | green-{n}        |            |
      | blue  |                  | static-key |
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And the runtime sent 3 token requests for session "A", each for provider "green"
    And the SDK answered the token requests, in order, with the tokens "green-1", "green-2", "green-3"
    And the callback "A/green" was invoked 3 times
    And every invocation of the callback "A/green" received the providerName "green"
    And the callback "A/red" was not invoked
    And the model endpoint received these requests, with the tool results each carried, in order:
      | path                       | authorization  | tool results       | answered with         |
      | /green/v1/chat/completions | Bearer green-1 |                    | tool call lookup_fact |
      | /green/v1/chat/completions | Bearer green-2 | "fact 1"           | tool call lookup_fact |
      | /green/v1/chat/completions | Bearer green-3 | "fact 1", "fact 2" | reply                 |

  @BT-5
  Scenario: A turn on a provider without a callback asks for no token
    When session "A" is created with model "blue/default" and these providers:
      | name  | callback returns | apiKey     |
      | red   | red-{n}          |            |
      | blue  |                  | static-key |
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And the runtime sent 0 token requests for session "A", each for provider "blue"
    And no callback has been invoked
    And the model endpoint received these requests, in order:
      | path                      | authorization     |
      | /blue/v1/chat/completions | Bearer static-key |

  Rule: BT-6 One request, one invocation, and the token as the callback returned it
    Each `providerToken.getToken` request invokes the callback exactly once: N
    requests give N invocations, and nothing is cached. The SDK answers
    `{"token": <the string the callback returned>}`, with no `Bearer ` prefix
    added and nothing trimmed. That holds for tokens as real identity
    services issue them: JWTs (three base64url segments joined by dots) of 1
    to 2.5 KB, and several KB with group claims, opaque tokens, and any
    printable ASCII character. The contract covers tokens from 1 byte to
    64 KB: an SDK that cannot carry one of those sizes, or alters a byte of
    it, breaks this rule.

    What the SDK answers when a callback returns an empty string or a value
    that is not a string is left open; the `@observed` scenarios record it and
    judge neither way.

  # The scenarios asking directly run for every SDK on the fake runtime;
  # their twins "within one turn" (@needs-tools) check the same on both
  # runtimes: one turn of an agent that calls a tool, each model request
  # after a token request that must reach the callback again.
  @BT-6 @fake-only
  Scenario: Each token request invokes the callback once, with no caching
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the runtime asks session "A" for a token for provider "default" 5 times in a row
    Then the callback "A/singular" was invoked 5 times
    And the SDK answered the token requests, in order, with the tokens "tok-1", "tok-2", "tok-3", "tok-4", "tok-5"
    And each token answer is exactly {"token": <the string its callback invocation returned>}

  @BT-6 @needs-tools
  Scenario: Each token request of one turn invokes the callback once, with no caching
    Given the model endpoint answers each turn with 4 rounds of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    Then the runtime sent 5 token requests for session "A", each for provider "default"
    And the callback "A/singular" was invoked 5 times
    And the SDK answered the token requests, in order, with the tokens "tok-1", "tok-2", "tok-3", "tok-4", "tok-5"
    And each token answer is exactly {"token": <the string its callback invocation returned>}

  # A turn of an agent: the model endpoint calls the client tool twice
  # before it replies, so the one turn makes 3 model requests, each after a
  # token request of its own, on either runtime.
  @BT-6 @BT-15 @needs-tools
  Scenario: A turn with 2 rounds of tool calls makes 3 token requests, each invoking the callback once
    Given the model endpoint answers each turn with 2 rounds of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And the runtime sent 3 token requests for session "A", each for provider "default"
    And the callback "A/singular" was invoked 3 times
    And the SDK answered the token requests, in order, with the tokens "tok-1", "tok-2", "tok-3"
    And each token answer is exactly {"token": <the string its callback invocation returned>}
    And the tool "lookup_fact" of session "A" was invoked 2 times, in order
    And the model endpoint received these requests, with the tool results each carried, in order:
      | path                 | authorization | tool results         | answered with         |
      | /v1/chat/completions | Bearer tok-1  |                      | tool call lookup_fact |
      | /v1/chat/completions | Bearer tok-2  | "fact 1"             | tool call lookup_fact |
      | /v1/chat/completions | Bearer tok-3  | "fact 1", "fact 2"   | reply                 |

  # The tokens are generated from their names (steps/token_shapes.go): a
  # 64 KB token, or one with quotes, backslashes and pipes, does not belong
  # in a table cell. A turn without tool calls makes one model request,
  # hence a turn per token; each token must reach the model endpoint too.
  @BT-6 @BT-15
  Scenario: Tokens shaped and sized like real ones, 1 byte to 64 KB, come back byte for byte
    When session "A" is created with a singular provider whose callback returns these tokens, one per invocation:
      | token                           |
      | an opaque token of 1 byte       |
      | a JWT of 1 KB                   |
      | a JWT of 2.5 KB                 |
      | a JWT of 8 KB                   |
      | a JWT of 64 KB                  |
      | an opaque token of 64 KB        |
      | every printable ASCII character |
    And the SDK sends "What is 5+5?" in session "A" 7 times, one turn after another
    Then the SDK answered the token requests with the tokens of the callback "A/singular", in order and byte for byte
    And the model endpoint received one request per token of the callback "A/singular", in order, each with the Authorization "Bearer <that token>"

  @BT-6 @fake-only
  Scenario: The same token returned twice is still fetched twice
    When session "A" is created with a singular provider whose callback returns "same-token"
    And the runtime asks session "A" for a token for provider "default" 3 times in a row
    Then the callback "A/singular" was invoked 3 times
    And the SDK answered the token requests, in order, with the tokens "same-token", "same-token", "same-token"

  @BT-6 @needs-tools
  Scenario: The same token returned twice within one turn is still fetched twice
    Given the model endpoint answers each turn with 2 rounds of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with a singular provider whose callback returns "same-token"
    And the SDK sends "What is 5+5?" in session "A"
    Then the callback "A/singular" was invoked 3 times
    And the SDK answered the token requests, in order, with the tokens "same-token", "same-token", "same-token"

  @BT-6 @fake-only
  Scenario: The token is answered as returned, with no prefix added and nothing trimmed
    When session "A" is created with a singular provider whose callback returns "  spaced tok-{n} "
    And the runtime asks session "A" for a token for provider "default" 2 times in a row
    Then the SDK answered the token requests, in order, with the tokens "  spaced tok-1 ", "  spaced tok-2 "
    And each token answer is exactly {"token": <the string its callback invocation returned>}

  # What the runtime then puts in the Authorization header is its own
  # affair (HTTP strips a header value's outer blanks): the turn may fail or
  # not; the SDK's answers are what is judged.
  @BT-6 @needs-tools
  Scenario: The token is answered as returned within one turn, with no prefix added and nothing trimmed
    Given the model endpoint answers each turn with 1 round of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with a singular provider whose callback returns "  spaced tok-{n} "
    And the SDK sends "What is 5+5?" in session "A", whether the turn succeeds or fails
    Then the SDK answered the token requests, in order, with the tokens "  spaced tok-1 ", "  spaced tok-2 "
    And each token answer is exactly {"token": <the string its callback invocation returned>}

  # In a turn: what the runtime then does with the answer is its own
  # affair (the turn may fail or not); the SDK's answer is recorded.
  @BT-6 @observed
  Scenario: A callback that returns an empty string
    When session "A" is created with a singular provider whose callback does:
      | invocation | does              |
      | 1          | returns ""        |
      | 2+         | returns "tok-{n}" |
    And the SDK sends "What is 5+5?" in session "A", whether the turn succeeds or fails
    Then the SDK's answer to token request 1 is recorded as the observed behaviour "answer when the callback returns an empty string"

  @BT-6 @observed @needs-nullReturn
  Scenario: A callback that returns null instead of a string
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                        |
      | 1          | returns the JSON value null |
      | 2+         | returns "tok-{n}"           |
    And the SDK sends "What is 5+5?" in session "A", whether the turn succeeds or fails
    Then the SDK's answer to token request 1 is recorded as the observed behaviour "answer when the callback returns null"

  @BT-6 @observed @needs-rawReturn
  Scenario: A callback that returns a number instead of a string
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                      |
      | 1          | returns the JSON value 42 |
      | 2+         | returns "tok-{n}"         |
    And the SDK sends "What is 5+5?" in session "A", whether the turn succeeds or fails
    Then the SDK's answer to token request 1 is recorded as the observed behaviour "answer when the callback returns a number"

    # A request with fields the contract does not have (a newer runtime
    # may add some) and otherwise valid: recorded, and the connection must
    # still serve the next request. Fake-only: the real runtime sends only
    # the fields it has.
    @BT-6 @observed @fake-only
    Scenario: A token request with unknown extra fields, and a well-formed one after it
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      And the runtime sends, on the connection of session "A", a token request with the params {"sessionId": "$A", "providerName": "default", "requestedAt": 1767225600, "x-unknown": {"nested": [1, null]}}, and records the answer within 5 s as the observed behaviour "answer when the request has unknown extra fields"
      Then the connection still serves a well-formed request: a token request for provider "default" of session "A" is answered within 5 s with the token of the callback "A/singular"

    # About 40 ms over TCP means the SDK left Nagle's algorithm on (no
    # TCP_NODELAY): each answer waits out the runtime's delayed ACK.
    # @serial: it measures time, so its 15 requests run while no other
    # scenario does.
    # Fake-only: it needs 15 requests back to back with nothing between
    # them; in a turn the real runtime's model calls and events interleave.
    @BT-6 @observed @fake-only @serial
    Scenario: The round trip of a token request whose callback answers at once
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      And no other scenario runs on the machine from here on
      Then the median round trip of 15 token requests in a row for provider "default" of session "A" is recorded as the observed behaviour "getToken round trip (TCP_NODELAY)"
