Feature: Where the SDKs differ and the contract is silent, recorded as observed behaviour
  Reading the SDKs' sources side by side shows differences no upstream test
  covers: which JSON-RPC error an SDK answers, whether it answers at all,
  how fast an answer leaves its socket. The suite records what each SDK
  does and judges neither way; the dashboard shows the values side by
  side. These scenarios fail only when there is nothing to record.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-8 Session scoping

    @BT-8 @observed @fake-only
    Scenario: The error for a token request naming an unknown session
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      Then the runtime asks for a token for provider "default" in a session it does not know, "no-such-session", and records the answer within 5 s as the observed behaviour "answer for an unknown session"

    @BT-8 @observed @fake-only
    Scenario: The answer to a token request naming a disconnected session
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      And session "A" is disconnected
      Then the runtime asks session "A" for a token for provider "default" and records the answer within 5 s as the observed behaviour "answer for a disconnected session"

  Rule: BT-9 Unknown provider

    @BT-9 @observed @fake-only
    Scenario: The error for a token request naming an unknown provider
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      Then the runtime asks session "A" for a token for provider "ghost" and records the answer within 5 s as the observed behaviour "answer for an unknown provider"

  Rule: BT-10 Callback failure

    @BT-10 @observed @fake-only
    Scenario: The error for a failing callback
      When session "A" is created with a singular provider whose callback does:
        | invocation | does                                   |
        | 1+         | fails with "token service unavailable" |
      Then the runtime asks session "A" for a token for provider "default" and records the answer within 5 s as the observed behaviour "answer for a failing callback"

    @BT-10 @observed @fake-only
    Scenario: The answer for a callback returning an object instead of a string
      When session "A" is created with a singular provider whose callback does:
        | invocation | does                                       |
        | 1+         | returns the JSON value {"token": "nested"} |
      Then the runtime asks session "A" for a token for provider "default" and records the answer within 5 s as the observed behaviour "answer for a callback returning an object"

  Rule: BT-12 Slow callbacks are awaited

    # The contract has no cancellation: no SDK passes a cancellation signal to
    # the callback. What happens to a request whose callback never returns,
    # and to it when its session is disconnected, is up to each SDK.
    @BT-12 @observed @fake-only
    Scenario: A callback that never returns, and its session disconnected meanwhile
      When session "A" is created with a singular provider whose callback does:
        | invocation | does                             |
        | 1+         | returns "late" after 600000 ms |
      And the runtime asks session "A" for a token for provider "default" and records the answer within 3 s as the observed behaviour "answer while the callback has not returned"
      Then after session "A" is disconnected, the answer to token request 1 within 3 s is recorded as the observed behaviour "answer once the session is disconnected"

  Rule: BT-6 Per request, no caching

    # About 40 ms over TCP means the SDK left Nagle's algorithm on (no
    # TCP_NODELAY): each answer waits out the runtime's delayed ACK.
    @BT-6 @observed @fake-only
    Scenario: The round trip of a token request whose callback answers at once
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      Then the median round trip of 15 token requests in a row for provider "default" of session "A" is recorded as the observed behaviour "getToken round trip (TCP_NODELAY)"

  Rule: BT-4 Default name

    # The singular provider is "default" on the wire; a named provider may
    # carry the same name. Which callback then answers "default", or
    # whether the SDK refuses the config, no upstream text says.
    @BT-4 @observed @fake-only
    Scenario: A named provider called "default" beside a singular provider with a callback
      When session "A" is created with a singular provider whose callback returns "singular-{n}" and a named provider "default" whose callback returns "named-{n}", and whether the SDK takes that config is recorded as the observed behaviour "named provider default beside a singular one"
      Then the callbacks a token request for provider "default" of session "A" reaches, and its answer within 5 s, are recorded as the observed behaviour "callback a request for default reaches"

  Rule: BT-1 Wire flag

    # session.provider.add (experimental in the runtime's RPC) adds named
    # providers to a running session. Whether an SDK flags one with a
    # callback, and whether a token request for it reaches that callback,
    # no upstream text says.
    @BT-1 @observed @fake-only
    Scenario: A provider with a callback added to a running session
      When session "A" is created with model "red/default" and these providers:
        | name | callback returns |
        | red  | red-{n}          |
      And session "A" is given, after its creation, a named provider "late" whose callback returns "late-{n}", and what the SDK sends for it is recorded as the observed behaviour "provider added later, on the wire"
      Then the callbacks a token request for provider "late" of session "A" reaches, and its answer within 5 s, are recorded as the observed behaviour "callback a request for a provider added later reaches"
