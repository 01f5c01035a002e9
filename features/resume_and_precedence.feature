Feature: Resuming a session, and callbacks beside static credentials
  session.resume carries the flags as session.create does, and the
  callbacks given on resume are the ones invoked afterwards. A provider
  with a static credential and a callback is still flagged, and the
  callback's token is the one applied.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  Rule: BT-13 Resuming a session re-sends the flags and uses the new callbacks
    `session.resume` carries the flags as `session.create` does, and the
    callbacks given on resume are the ones invoked afterwards.

  @BT-13 @needs-resume
  Scenario: Resuming with a new callback re-sends the flag, and the new callback is the one invoked
    When session "A" is created with a singular provider whose callback returns "old-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    And session "A" is resumed as "A2" with a singular provider whose callback returns "new-{n}"
    And the SDK sends "And 6+6?" in session "A2"
    Then in the session.resume request for session "A2", the singular provider has "hasBearerTokenProvider": true
    And in the session.resume request for session "A2", no provider has a key naming the callback
    And the callback "A/singular" was invoked 1 time
    And the callback "A2/singular" was invoked 1 time
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer old-1  |
      | /v1/chat/completions | Bearer new-1  |

  @BT-13 @needs-resume
  Scenario: Resuming with named providers re-sends each flag
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red-{n}          |            |
      | blue |                  | static-key |
    And session "A" is resumed as "A2" with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red2-{n}         |            |
      | blue |                  | static-key |
    And the SDK sends "What is 5+5?" in session "A2"
    Then in the session.resume request for session "A2", provider "red" has "hasBearerTokenProvider": true
    And in the session.resume request for session "A2", provider "blue" does not have "hasBearerTokenProvider": true
    And the callback "A/red" was not invoked
    And the callback "A2/red" was invoked 1 time

  Rule: BT-14 A callback beside a static credential is still flagged and applied
    A provider with a static credential (`apiKey` or `bearerToken`) and a
    callback still carries the flag, and the callback's token is the one the
    model request carries.

  @BT-14 @BT-2
  Scenario: A provider with an API key and a callback is flagged, and the callback's token is applied
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red-{n}          | static-key |
    And the SDK sends "What is 5+5?" in session "A"
    Then in the session.create request for session "A", provider "red" has "hasBearerTokenProvider": true
    And in the session.create request for session "A", provider "red" has "apiKey": "static-key"
    And the model endpoint received these requests, in order:
      | path                     | authorization |
      | /red/v1/chat/completions | Bearer red-1  |

  @BT-14 @BT-2
  Scenario: A provider with a static bearer token and a callback is flagged, and the callback's token is applied
    When session "A" is created with this singular provider:
      | bearerToken      | static-bearer |
      | callback returns | tok-{n}       |
    And the SDK sends "What is 5+5?" in session "A"
    Then in the session.create request for session "A", the singular provider has "hasBearerTokenProvider": true
    And in the session.create request for session "A", the singular provider has "bearerToken": "static-bearer"
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer tok-1  |
