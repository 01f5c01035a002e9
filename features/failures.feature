Feature: Unknown providers and failing callbacks
  A request the SDK cannot serve, for a provider without a callback or from
  a callback that fails, gets a JSON-RPC error response: not a hang, not a
  crash, not an empty token. The session and the connection stay usable,
  and the next request succeeds.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-9 A request for a provider without a callback gets an error
    A token request for a provider that has no callback, or that the session
    does not have, gets a JSON-RPC error response: not a hang, not a crash, not
    an empty token. The connection stays usable.

  @BT-9 @fake-only
  Scenario: A request for a provider without a callback gets an error, and the connection stays usable
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red-{n}          |            |
      | blue |                  | static-key |
    And the runtime asks session "A" for a token for provider "blue" 1 time in a row
    And the runtime asks session "A" for a token for provider "ghost" 1 time in a row
    And the runtime asks session "A" for a token for provider "red" 1 time in a row
    Then token request 1 was answered with a JSON-RPC error
    And token request 2 was answered with a JSON-RPC error
    And token request 3 was answered with the token "red-1"
    And the callback "A/red" was invoked 1 time
    And the error message of token request 2 is recorded as the observed behaviour "error for an unknown provider"

  @BT-9 @fake-only
  Scenario: A request for a named provider when only the singular one has a callback gets an error
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the runtime asks session "A" for a token for provider "red" 1 time in a row
    And the runtime asks session "A" for a token for provider "default" 1 time in a row
    Then token request 1 was answered with a JSON-RPC error
    And token request 2 was answered with the token "tok-1"
    And the callback "A/singular" was invoked 1 time

    @BT-9 @observed @fake-only
    Scenario: The error for a token request naming an unknown provider
      When session "A" is created with a singular provider whose callback returns "tok-{n}"
      Then the runtime asks session "A" for a token for provider "ghost" and records the answer within 5 s as the observed behaviour "answer for an unknown provider"


  Rule: BT-10 A failing callback gives an error, and the next request succeeds
    A callback that fails in its language's usual way (throws, rejects,
    returns an error) yields a JSON-RPC error response. The session and the
    connection stay usable, and the next request succeeds.

    However many times in a row the callback fails (the suite checks 6, an
    identity service that is down), every request invokes it and each is
    answered at once: the SDK has no circuit breaker, no negative cache and
    no back-off of its own; retrying is the runtime's to decide. The first
    request after the service recovers is answered with its token.

  @BT-10 @fake-only
  Scenario Outline: A failing <kind> callback yields an error, and the next request succeeds
    When session "A" is created with a singular provider whose <kind> callback does:
      | invocation | does                                   |
      | 1          | fails with "token service unavailable" |
      | 2+         | returns "tok-{n}"                      |
    And the runtime asks session "A" for a token for provider "default" 2 times in a row
    Then token request 1 was answered with a JSON-RPC error
    And token request 2 was answered with the token "tok-2"
    And the callback "A/singular" was invoked 2 times

    Examples:
      | kind  |
      | plain |

    @needs-syncCallback
    Examples:
      | kind  |
      | sync  |

    @needs-asyncCallback
    Examples:
      | kind  |
      | async |

  @BT-10 @fake-only
  Scenario: A callback that fails 6 times in a row and then recovers is invoked for every request
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                                   |
      | 1          | fails with "token service unavailable" |
      | 2          | fails with "token service unavailable" |
      | 3          | fails with "token service unavailable" |
      | 4          | fails with "token service unavailable" |
      | 5          | fails with "token service unavailable" |
      | 6          | fails with "token service unavailable" |
      | 7+         | returns "tok-{n}"                      |
    And the runtime asks session "A" for a token for provider "default" 8 times in a row
    Then token requests 1 to 6 were each answered with a JSON-RPC error
    And token request 7 was answered with the token "tok-7"
    And token request 8 was answered with the token "tok-8"
    And the callback "A/singular" was invoked 8 times
    And every token request was answered within 1 s of being sent

  # The real runtime retries a model call whose token request failed (about
  # 1 s apart), asking for a token each time: each retry must reach the
  # callback, each failure be an error, and the first success carry its
  # token to the model. How the turn ends is the runtime's: recorded.
  @BT-10 @real-only @observed
  Scenario: A turn on the real runtime whose callback fails twice and then succeeds
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                                   |
      | 1          | fails with "token service unavailable" |
      | 2          | fails with "token service unavailable" |
      | 3+         | returns "tok-{n}"                      |
    And the SDK sends "What is 5+5?" in session "A", and the turn's outcome is recorded as the observed behaviour "real runtime turn whose callback fails twice then succeeds"
    Then the runtime sent 3 token requests for session "A", each for provider "default"
    And token requests 1 to 2 were each answered with a JSON-RPC error
    And token request 3 was answered with the token "tok-3"
    And the callback "A/singular" was invoked 3 times
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer tok-3  |

  # The fake runtime ends a turn at the first failed token request; the real
  # one retries the model call (5 times, about 1 s apart), so there the turn
  # may succeed: hence fake-only.
  @BT-10 @fake-only
  Scenario: A failing callback fails the turn, and the session's next turn succeeds
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                                   |
      | 1          | fails with "token service unavailable" |
      | 2+         | returns "tok-{n}"                      |
    And sending "What is 5+5?" in session "A" fails
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer tok-2  |

    @BT-10 @observed @fake-only
    Scenario: The error for a failing callback
      When session "A" is created with a singular provider whose callback does:
        | invocation | does                                   |
        | 1+         | fails with "token service unavailable" |
      Then the runtime asks session "A" for a token for provider "default" and records the answer within 5 s as the observed behaviour "answer for a failing callback"

    @BT-10 @observed @fake-only @needs-rawReturn
    Scenario: The answer for a callback returning an object instead of a string
      When session "A" is created with a singular provider whose callback does:
        | invocation | does                                       |
        | 1+         | returns the JSON value {"token": "nested"} |
      Then the runtime asks session "A" for a token for provider "default" and records the answer within 5 s as the observed behaviour "answer for a callback returning an object"
