Feature: The callback's token reaches the model endpoint
  End to end: each model request of a turn carries, as
  "Authorization: Bearer <token>", the token the callback returned for that
  request. With a callback that rotates tokens, request i carries token i.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-15 The callback's token reaches the model endpoint
    Each model request carries `Authorization: Bearer <token>` with the token
    the callback returned for that request; with a callback that rotates
    tokens, request i carries token i.

  # Within one turn: the model endpoint calls the client tool once before
  # it replies, so each turn makes 2 model requests, each after a token
  # request of its own. Each turn counts its own rounds (the tool results
  # after its user message), and the tool numbers its calls in the session.
  @BT-15 @BT-4 @BT-6 @needs-tools
  Scenario: Rotating tokens within each turn and over several turns with the singular provider
    Given the model endpoint answers each turn with 1 round of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    And the SDK sends "And 6+6?" in session "A"
    Then the reply is "ten"
    And the runtime sent 4 token requests for session "A", each for provider "default"
    And the callback "A/singular" was invoked 4 times
    And the tool "lookup_fact" of session "A" was invoked 2 times, in order
    And the model endpoint received these requests, with the tool results each carried, in order:
      | path                 | authorization | tool results | answered with         |
      | /v1/chat/completions | Bearer tok-1  |              | tool call lookup_fact |
      | /v1/chat/completions | Bearer tok-2  | "fact 1"     | reply                 |
      | /v1/chat/completions | Bearer tok-3  |              | tool call lookup_fact |
      | /v1/chat/completions | Bearer tok-4  | "fact 2"     | reply                 |

  # The same turn over the Responses API, which a provider selects with
  # wireApi "responses": the runtime posts to .../responses, the model's
  # tool call is a function_call output item and its result goes back as
  # a function_call_output input item.
  @BT-15 @BT-6 @needs-tools
  Scenario: Rotating tokens within one turn over the Responses API
    Given the model endpoint answers each turn with 2 rounds of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with this singular provider:
      | wireApi          | responses |
      | callback returns | tok-{n}   |
    And the SDK sends "What is 5+5?" in session "A"
    Then the reply is "ten"
    And the runtime sent 3 token requests for session "A", each for provider "default"
    And the SDK answered the token requests, in order, with the tokens "tok-1", "tok-2", "tok-3"
    And the tool "lookup_fact" of session "A" was invoked 2 times, in order
    And the model endpoint received these requests, with the tool results each carried, in order:
      | path          | authorization | tool results       | answered with         |
      | /v1/responses | Bearer tok-1  |                    | tool call lookup_fact |
      | /v1/responses | Bearer tok-2  | "fact 1"           | tool call lookup_fact |
      | /v1/responses | Bearer tok-3  | "fact 1", "fact 2" | reply                 |

  @BT-15 @BT-6
  Scenario: Rotating tokens, one model request per turn, over three turns
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    And the SDK sends "And 6+6?" in session "A"
    And the SDK sends "And 7+7?" in session "A"
    Then the runtime sent 3 token requests for session "A", each for provider "default"
    And the SDK answered the token requests, in order, with the tokens "tok-1", "tok-2", "tok-3"
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer tok-1  |
      | /v1/chat/completions | Bearer tok-2  |
      | /v1/chat/completions | Bearer tok-3  |

  @BT-15 @BT-5 @needs-tools
  Scenario: Rotating tokens within each turn and over several turns with a named provider
    Given the model endpoint answers each turn with 2 rounds of tool calls to the tool "lookup_fact" before its reply
    And every session the scenario opens registers the client tool "lookup_fact", whose result is "fact {n}"
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red-{n}          |            |
      | blue |                  | static-key |
    And the SDK sends "What is 5+5?" in session "A"
    And the SDK sends "And 6+6?" in session "A"
    Then the reply is "ten"
    And the runtime sent 6 token requests for session "A", each for provider "red"
    And the callback "A/red" was invoked 6 times
    And the model endpoint received these requests, with the tool results each carried, in order:
      | path                     | authorization | tool results       | answered with         |
      | /red/v1/chat/completions | Bearer red-1  |                    | tool call lookup_fact |
      | /red/v1/chat/completions | Bearer red-2  | "fact 1"           | tool call lookup_fact |
      | /red/v1/chat/completions | Bearer red-3  | "fact 1", "fact 2" | reply                 |
      | /red/v1/chat/completions | Bearer red-4  |                    | tool call lookup_fact |
      | /red/v1/chat/completions | Bearer red-5  | "fact 3"           | tool call lookup_fact |
      | /red/v1/chat/completions | Bearer red-6  | "fact 3", "fact 4" | reply                 |

  @BT-15 @BT-8
  Scenario: Two sessions with their own callbacks each get their own tokens
    When session "A" is created with a singular provider whose callback returns "a-{n}"
    And session "B" is created with a singular provider whose callback returns "b-{n}"
    And the SDK sends "What is 5+5?" in session "B"
    And the SDK sends "What is 5+5?" in session "A"
    And the SDK sends "What is 5+5?" in session "B"
    Then the callback "A/singular" was invoked 1 time
    And the callback "B/singular" was invoked 2 times
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer b-1    |
      | /v1/chat/completions | Bearer a-1    |
      | /v1/chat/completions | Bearer b-2    |

  @BT-15 @BT-14
  Scenario: A static API key beside the callback does not replace the callback's token
    When session "A" is created with this singular provider:
      | apiKey           | static-key |
      | callback returns | tok-{n}    |
    And the SDK sends "What is 5+5?" in session "A"
    Then in the session.create request for session "A", the singular provider has "hasBearerTokenProvider": true
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer tok-1  |
