Feature: Concurrent and slow token requests
  The runtime may have many token requests in flight at once; each is
  answered, matched to its request by id, with one callback invocation
  each. A slow callback is awaited, not cut short by the SDK.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-11 Concurrent requests are each answered, once
    Many token requests in flight at once are each answered, matched to their
    request by id, with one callback invocation each. That holds when they
    come from many sessions of one client whose providers have the same
    names: each is answered by its own session's callback for its own
    provider.

  # One session with 32 requests in flight: the real runtime runs one turn
  # at a time in a session and asks for one token per model request, so
  # only the fake runtime, asking on its own, can. The turn versions below
  # spread the requests over sessions instead.
  @BT-11 @fake-only
  Scenario: 32 token requests in flight at once are each answered by their own provider's callback
    When session "A" is created with model "p1/default" and these providers:
      | name | callback returns | callback delay ms |
      | p1   | p1-{n}           | 200               |
      | p2   | p2-{n}           | 200               |
      | p3   | p3-{n}           | 200               |
      | p4   | p4-{n}           | 200               |
    And the runtime asks session "A" for 8 tokens for each of the providers "p1", "p2", "p3", "p4", all at once
    Then every one of the 32 token requests was answered with a token of the provider it named, none twice
    And the callback "A/p1" was invoked 8 times
    And the callback "A/p2" was invoked 8 times
    And the callback "A/p3" was invoked 8 times
    And the callback "A/p4" was invoked 8 times
    And the largest number of callback invocations running at once is recorded as the observed behaviour "overlapping callbacks of 32 concurrent requests"

  # A server application's world: many sessions on one client, each with
  # the same provider names, their token requests in flight at once and
  # interleaved. Tokens are "<session>-<provider>-<n>": a crossed answer
  # shows as another session's or provider's token. Several requests of one
  # session in flight at once only the fake runtime sends (see above); the
  # turn versions of these two are the scenarios after them.
  @BT-11 @BT-5 @BT-8 @fake-only
  Scenario: 8 sessions with the same named providers, 48 requests in flight at once, nothing crosses
    When sessions "S1" to "S8" are each created with model "red/default" and these providers:
      | name  | callback returns        | callback delay ms | apiKey     |
      | red   | {session}-red-{n}       | 300               |            |
      | green | {session}-green-{n}     | 300               |            |
      | blue  |                         |                   | static-key |
    And the runtime asks each of the sessions "S1" to "S8" for 3 tokens for each of the providers "red", "green", all at once, interleaved
    Then every one of the 48 token requests was answered with a token of the session and the provider it named, none twice
    And every callback of the sessions "S1" to "S8" was invoked 3 times, each time with its own provider's name

  @BT-11 @BT-4 @BT-8 @fake-only
  Scenario: 8 sessions with a singular provider each, 24 requests in flight at once, nothing crosses
    When sessions "T1" to "T8" are each created with a singular provider whose callback returns "{session}-default-{n}" after 300 ms
    And the runtime asks each of the sessions "T1" to "T8" for 3 tokens for each of the providers "default", all at once, interleaved
    Then every one of the 24 token requests was answered with a token of the session and the provider it named, none twice
    And every callback of the sessions "T1" to "T8" was invoked 3 times, each time with its own provider's name

  # The same world in turns, on either runtime: 8 sessions with the same
  # provider names, a turn in each at once on provider "red". Each
  # session's "red" has a base URL of its own, so a model request says
  # whose turn sent it; "green" has a callback no turn may reach (what
  # BT-5 states, tagged BT-11 and BT-8 alone: a core rule's scenarios need
  # no optional capability).
  @BT-11 @BT-8 @needs-concurrentSend
  Scenario: Turns in 8 sessions with the same named providers at once, nothing crosses
    When sessions "N1" to "N8" are each created with model "red/default" and these providers:
      | name  | callback returns    | callback delay ms | apiKey     | baseUrl                             |
      | red   | {session}-red-{n}   | 300               |            | <model endpoint>/{session}/red/v1   |
      | green | {session}-green-{n} | 300               |            | <model endpoint>/{session}/green/v1 |
      | blue  |                     |                   | static-key |                                     |
    And the SDK sends "What is 5+5?" in the sessions "N1" to "N8", all at once
    Then the reply of every turn is "ten"
    And every one of the 8 token requests was answered with a token of the session and the provider it named, none twice
    And in each of the sessions "N1" to "N8", the callback of provider "red" was invoked 1 time, each time with the providerName "red"
    And in each of the sessions "N1" to "N8", the callback of provider "green" was not invoked
    And the model endpoint received one request per session of "N1" to "N8", on the path "/{session}/red/v1/chat/completions", with the token the SDK answered for that session

  # Turns in 8 sessions at once on one client, on either runtime: the real
  # one interleaves the sessions' token requests itself. Each session has a
  # base URL of its own, so a model request says whose turn sent it.
  @BT-11 @BT-8 @needs-concurrentSend
  Scenario: Turns in 8 sessions at once, each session's token reaching its own model request
    When sessions "U1" to "U8" are each created with a singular provider whose callback returns "{session}-default-{n}" after 500 ms
    And the SDK sends "What is 5+5?" in the sessions "U1" to "U8", all at once
    Then the reply of every turn is "ten"
    And every one of the 8 token requests was answered with a token of the session and the provider it named, none twice
    And every callback of the sessions "U1" to "U8" was invoked 1 time, each time with its own provider's name
    And the model endpoint received one request per session of "U1" to "U8", on that session's base URL, with the token the SDK answered for that session

  # An identity service down for one session only, while turns run in
  # others: its failures stay its own. How many times the runtime asks for
  # the failing session's token (the real one retries the model call,
  # asking again each time), and how its turn ends, are the runtime's to
  # decide: both are recorded, never judged. That each request is answered
  # with an error from one invocation of its own session's callback, and
  # that the other turns carry their own tokens, is checked on either
  # runtime.
  @BT-11 @BT-8 @BT-10 @observed @needs-concurrentSend
  Scenario: Turns in 4 sessions at once, one whose callback always fails: the failures stay in that session
    When sessions "V1" to "V3" are each created with a singular provider whose callback returns "{session}-default-{n}" after 300 ms
    And session "V4" is created with a singular provider whose callback does:
      | invocation | does                                   |
      | 1+         | fails with "token service unavailable" |
    And the SDK sends "What is 5+5?" in the sessions "V1" to "V4", all at once, whatever each turn's outcome
    Then the turns in the sessions "V1" to "V3" each replied "ten"
    And every one of the 3 token requests for the sessions "V1" to "V3" was answered with a token of the session and the provider it named, none twice
    And every callback of the sessions "V1" to "V3" was invoked 1 time, each time with its own provider's name
    And every token request for session "V4" was answered with a JSON-RPC error, each from one invocation of the callback "V4/singular"
    And the model endpoint received one request per session of "V1" to "V3", on that session's base URL, with the token the SDK answered for that session
    And the model endpoint received 3 requests in all
    And the outcome of the turn in session "V4" is recorded as the observed behaviour "turn whose callback always fails, beside turns in 3 other sessions"
    And the number of token requests for session "V4" is recorded as the observed behaviour "token requests in a turn whose callback always fails"

  Rule: BT-12 A slow callback is awaited
    The SDK does not cut short a callback that takes seconds: the request is
    answered with its token when the callback returns. The bound is 30 s: an
    SDK awaits a callback for at least 30 s. A credential chain (managed
    identity, workload identity, a CLI credential) can take tens of seconds
    on its first call. The real runtime sets no limit of its own: it waits
    for the answer without end (runtime 1.0.85 sent nothing more and did
    not end the turn in 10 minutes; see docs/real-world-conditions.md). So
    the bound is the shorter of the runtime's wait and 30 s, and what a
    callback does beyond 30 s is left to each SDK.

  # 28 s: BT-12's bound, 30 s, less a margin for the exchange itself. It
  # checks the SDK alone, so it runs once per build, on the fake runtime
  # over TCP with a local driver, and is not applicable elsewhere.
  @BT-12 @once-per-build
  Scenario: A callback that takes 28 seconds, just under the bound, is awaited
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                              |
      | 1+         | returns "slow-{n}" after 28000 ms |
    And the runtime asks session "A" for a token for provider "default", waiting up to 45 s for the answer
    Then token request 1 was answered with the token "slow-1"
    And token request 1 was answered no sooner than 28000 ms after it was sent

  # On either runtime: the runtime's token request, in a turn, waits for
  # the callback (the real runtime sets no limit of its own, see the rule).
  @BT-12 @BT-15
  Scenario: A turn waits for a callback that takes 3 seconds
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                             |
      | 1+         | returns "slow-{n}" after 3000 ms |
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And token request 1 was answered with the token "slow-1"
    And token request 1 was answered no sooner than 3000 ms after it was sent
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer slow-1 |

    # The contract has no cancellation: no SDK passes a cancellation signal to
    # the callback. What happens to a request whose callback never returns,
    # and to it when its session is disconnected, is up to each SDK. Only the
    # fake runtime can leave such a request pending while the steps go on:
    # in a turn, the suite's send waits for the turn's end, and the real
    # runtime waits for the answer without end.
    @BT-12 @observed @fake-only @needs-disconnectSession
    Scenario: A callback that never returns, and its session disconnected meanwhile
      When session "A" is created with a singular provider whose callback does:
        | invocation | does                             |
        | 1+         | returns "late" after 600000 ms |
      And the runtime asks session "A" for a token for provider "default" and records the answer within 3 s as the observed behaviour "answer while the callback has not returned"
      Then after session "A" is disconnected, the answer to token request 1 within 3 s is recorded as the observed behaviour "answer once the session is disconnected"
