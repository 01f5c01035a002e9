Feature: Cases the contract leaves open, recorded as observed behaviour
  Where the upstream sources leave a case open, the suite records what each
  SDK does, shows it as an observed value, and judges neither way. These
  scenarios fail only if the SDK gives no answer at all.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  @BT-6 @observed @fake-only
  Scenario: A callback that returns an empty string
    When session "A" is created with a singular provider whose callback returns ""
    And the runtime asks session "A" for a token for provider "default" 1 time in a row
    Then the SDK's answer to token request 1 is recorded as the observed behaviour "answer when the callback returns an empty string"

  @BT-6 @observed @fake-only @needs-nullReturn
  Scenario: A callback that returns null instead of a string
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                      |
      | 1+         | returns the JSON value null |
    And the runtime asks session "A" for a token for provider "default" 1 time in a row
    Then the SDK's answer to token request 1 is recorded as the observed behaviour "answer when the callback returns null"

  @BT-6 @observed @fake-only @needs-rawReturn
  Scenario: A callback that returns a number instead of a string
    When session "A" is created with a singular provider whose callback does:
      | invocation | does                      |
      | 1+         | returns the JSON value 42 |
    And the runtime asks session "A" for a token for provider "default" 1 time in a row
    Then the SDK's answer to token request 1 is recorded as the observed behaviour "answer when the callback returns a number"
