Feature: Token requests are scoped to the session they name
  A token request names a session. The SDK passes that session's id to the
  callback (contract generation 2), routes the request to that session's
  callbacks only, and answers a request for a session it does not have with
  a JSON-RPC error.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-7 The callback receives the id of the session the request names
    In contract generation 2 the callback's arguments carry the `sessionId` of
    the session the token request names. Generation 1 passes no session id, so
    these scenarios (`@gen2`) do not apply to it.

  @BT-7 @gen2
  Scenario: The callback receives the id of the session the request names
    When session "A" is created with a singular provider whose callback returns "a-{n}"
    And session "B" is created with a singular provider whose callback returns "b-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    And the SDK sends "What is 5+5?" in session "B"
    Then every invocation of the callback "A/singular" received the sessionId of session "A"
    And every invocation of the callback "B/singular" received the sessionId of session "B"

  @BT-7 @gen2
  Scenario: A named provider's callback receives the session id too
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns |
      | red  | red-{n}          |
    And the SDK sends "What is 5+5?" in session "A" 2 times, one turn after another
    Then the callback "A/red" was invoked 2 times
    And every invocation of the callback "A/red" received the sessionId of session "A"

  @BT-7 @gen2 @needs-resume
  Scenario: After a resume, the new callback receives the id of the resumed session
    When session "A" is created with a singular provider whose callback returns "old-{n}"
    And session "A" is resumed as "A2" with a singular provider whose callback returns "new-{n}"
    And the SDK sends "What is 5+5?" in session "A2"
    Then the callback "A2/singular" was invoked 1 time
    And every invocation of the callback "A2/singular" received the sessionId of session "A"

  # Two providers per session with requests in flight at once: a turn asks
  # for one provider's token at a time, so only the fake runtime, asking
  # on its own, has both providers of a session in flight together. The
  # turn version is the next scenario.

  @BT-7 @gen2 @fake-only
  Scenario: 8 sessions' requests in flight at once: each invocation receives its own session's id
    When sessions "S1" to "S8" are each created with model "red/default" and these providers:
      | name  | callback returns    | callback delay ms |
      | red   | {session}-red-{n}   | 300               |
      | green | {session}-green-{n} | 300               |
    And the runtime asks each of the sessions "S1" to "S8" for 2 tokens for each of the providers "red", "green", all at once, interleaved
    Then every one of the 32 token requests was answered with a token of the session and the provider it named, none twice
    And every invocation of a callback of the sessions "S1" to "S8" received its own session's id

  @BT-7 @gen2 @needs-concurrentSend
  Scenario: Turns in 8 sessions at once: each invocation receives its own session's id
    When sessions "U1" to "U8" are each created with a singular provider whose callback returns "{session}-default-{n}" after 500 ms
    And the SDK sends "What is 5+5?" in the sessions "U1" to "U8", all at once
    Then the reply of every turn is "ten"
    And every invocation of a callback of the sessions "U1" to "U8" received its own session's id

  Rule: BT-8 A request reaches only the session it names
    A token request naming session A never reaches session B's callbacks. A
    request naming a session the SDK does not have, never created or already
    disconnected, gets a JSON-RPC error, and the connection still answers the
    next request.

  @BT-8
  Scenario: A request naming one session never reaches another session's callbacks
    When session "A" is created with a singular provider whose callback returns "a-{n}"
    And session "B" is created with a singular provider whose callback returns "b-{n}"
    And the SDK sends "What is 5+5?" in session "B" 2 times, one turn after another
    Then the runtime sent 2 token requests for session "B", each for provider "default"
    And the SDK answered the token requests, in order, with the tokens "b-1", "b-2"
    And the callback "B/singular" was invoked 2 times
    And the callback "A/singular" was not invoked
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer b-1    |
      | /v1/chat/completions | Bearer b-2    |

  # The real runtime names only sessions it has, and sends nothing for a
  # session the SDK disconnected (no turn can run in it): a request naming
  # an unknown or a disconnected session, or none, comes only from the
  # fake runtime. These scenarios stay @fake-only.

  @BT-8 @fake-only
  Scenario: A request naming an unknown session gets an error, and the connection stays usable
    When session "A" is created with a singular provider whose callback returns "a-{n}"
    And the runtime asks for a token for provider "default" in a session it does not know, "no-such-session"
    And the runtime asks session "A" for a token for provider "default" 1 time in a row
    Then token request 1 was answered with a JSON-RPC error
    And token request 2 was answered with the token "a-1"
    And the callback "A/singular" was invoked 1 time

  @BT-8 @fake-only @needs-disconnectSession
  Scenario: A request naming a disconnected session gets an error, and the connection stays usable
    When session "A" is created with a singular provider whose callback returns "a-{n}"
    And session "B" is created with a singular provider whose callback returns "b-{n}"
    And session "A" is disconnected
    And the runtime asks session "A" for a token for provider "default" 1 time in a row
    And the runtime asks session "B" for a token for provider "default" 1 time in a row
    Then token request 1 was answered with a JSON-RPC error
    And token request 2 was answered with the token "b-1"
    And the callback "A/singular" was not invoked

    @BT-8 @observed @fake-only
    Scenario: The error for a token request naming an unknown session
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      Then the runtime asks for a token for provider "default" in a session it does not know, "no-such-session", and records the answer within 5 s as the observed behaviour "answer for an unknown session"

    @BT-8 @observed @fake-only @needs-disconnectSession
    Scenario: The answer to a token request naming a disconnected session
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      And session "A" is disconnected
      Then the runtime asks session "A" for a token for provider "default" and records the answer within 5 s as the observed behaviour "answer for a disconnected session"

    # A request without a sessionId names no session: what the SDK answers
    # is recorded; that the connection still serves the next request is
    # checked.
    @BT-8 @observed @fake-only
    Scenario: A token request without a sessionId, and a well-formed one after it
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      And the runtime sends, on the connection of session "A", a token request with the params {"providerName": "default"}, and records the answer within 5 s as the observed behaviour "answer when sessionId is missing"
      Then the connection still serves a well-formed request: a token request for provider "default" of session "A" is answered within 5 s with the token of the callback "A/singular"
