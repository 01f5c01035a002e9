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

  @BT-15 @BT-4 @BT-6
  Scenario: Rotating tokens over several turns with the singular provider
    Given the runtime makes 2 model requests per turn
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    And the SDK sends "And 6+6?" in session "A"
    Then the reply is "ten"
    And the runtime sent 4 token requests for session "A", each for provider "default"
    And the callback "A/singular" was invoked 4 times
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer tok-1  |
      | /v1/chat/completions | Bearer tok-2  |
      | /v1/chat/completions | Bearer tok-3  |
      | /v1/chat/completions | Bearer tok-4  |

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

  @BT-15 @BT-5
  Scenario: Rotating tokens over several turns with a named provider
    Given the runtime makes 3 model requests per turn
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red-{n}          |            |
      | blue |                  | static-key |
    And the SDK sends "What is 5+5?" in session "A"
    And the SDK sends "And 6+6?" in session "A"
    Then the reply is "ten"
    And the callback "A/red" was invoked 6 times
    And the model endpoint received these requests, in order:
      | path                     | authorization |
      | /red/v1/chat/completions | Bearer red-1  |
      | /red/v1/chat/completions | Bearer red-2  |
      | /red/v1/chat/completions | Bearer red-3  |
      | /red/v1/chat/completions | Bearer red-4  |
      | /red/v1/chat/completions | Bearer red-5  |
      | /red/v1/chat/completions | Bearer red-6  |

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
