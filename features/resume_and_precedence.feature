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
    And the model endpoint received these requests, in order:
      | path                     | authorization |
      | /red/v1/chat/completions | Bearer red2-1 |

  # Resuming one session of a client changes that session's callbacks
  # only: the other session's turn still reaches its own callback.
  @BT-13 @BT-8 @needs-resume
  Scenario: Resuming one of two sessions leaves the other session's callback in place
    When session "A" is created with a singular provider whose callback returns "a-{n}"
    And session "B" is created with a singular provider whose callback returns "b-{n}"
    And session "A" is resumed as "A2" with a singular provider whose callback returns "a2-{n}"
    And the SDK sends "What is 5+5?" in session "B"
    And the SDK sends "What is 5+5?" in session "A2"
    Then the SDK answered the token requests, in order, with the tokens "b-1", "a2-1"
    And the callback "A/singular" was not invoked
    And the callback "B/singular" was invoked 1 time
    And the callback "A2/singular" was invoked 1 time
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer b-1    |
      | /v1/chat/completions | Bearer a2-1   |

  # Each resume replaces the callbacks: after two, only the last ones are
  # invoked (an SDK that added a resume's providers to those it had would
  # invoke an earlier one).
  @BT-13 @needs-resume
  Scenario: A session resumed twice uses the callback of the last resume
    When session "A" is created with a singular provider whose callback returns "a-{n}"
    And session "A" is resumed as "A2" with a singular provider whose callback returns "a2-{n}"
    And session "A2" is resumed as "A3" with a singular provider whose callback returns "a3-{n}"
    And the SDK sends "What is 5+5?" in session "A3" 2 times, one turn after another
    Then the SDK answered the token requests, in order, with the tokens "a3-1", "a3-2"
    And the callback "A/singular" was not invoked
    And the callback "A2/singular" was not invoked
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer a3-1   |
      | /v1/chat/completions | Bearer a3-2   |

  # A session the client disconnected from, resumed with a new callback:
  # the way back to a session after a restart or a handover.
  @BT-13 @needs-resume @needs-disconnectSession
  Scenario: A disconnected session resumed with a new callback uses it
    When session "A" is created with a singular provider whose callback returns "old-{n}"
    And the SDK sends "What is 5+5?" in session "A"
    And session "A" is disconnected
    And session "A" is resumed as "A2" with a singular provider whose callback returns "new-{n}"
    And the SDK sends "And 6+6?" in session "A2"
    Then in the session.resume request for session "A2", the singular provider has "hasBearerTokenProvider": true
    And the SDK answered the token requests, in order, with the tokens "old-1", "new-1"
    And the callback "A/singular" was invoked 1 time
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer old-1  |
      | /v1/chat/completions | Bearer new-1  |

  # What BT-2 and BT-3 state of session.resume. Tagged BT-13 alone: a core
  # rule's scenarios apply to every SDK, and resume is a capability an SDK
  # may lack.
  @BT-13 @needs-resume
  Scenario: Other fields of a provider with a callback pass through unchanged on resume
    When session "A" is created with a singular provider whose callback returns "tok-{n}"
    And session "A" is resumed as "A2" with this singular provider:
      | type             | openai                                   |
      | wireApi          | completions                              |
      | baseUrl          | <model endpoint>/tenant-7/v1             |
      | headers          | {"X-Tenant": "contoso", "X-Trace": "on"} |
      | callback returns | new-{n}                                  |
    Then in the session.resume request for session "A2", the singular provider has these fields:
      | type                   | "openai"                                 |
      | wireApi                | "completions"                            |
      | baseUrl                | "<model endpoint>/tenant-7/v1"           |
      | headers                | {"X-Tenant": "contoso", "X-Trace": "on"} |
      | hasBearerTokenProvider | true                                     |
    And in the session.resume request for session "A2", no provider has a key naming the callback

  # After a turn the SDK holds a token the callback returned: resuming must
  # not send it, nor the scope the new callback closes over.
  @BT-13 @needs-resume
  Scenario: No scope or token crosses the wire when a session is resumed after a turn
    When session "A" is created with a singular provider whose callback returns "old-{n}" for the scope "https://cognitiveservices.azure.com/.default"
    And the SDK sends "What is 5+5?" in session "A"
    And session "A" is resumed as "A2" with a singular provider whose callback returns "new-{n}" for the scope "api://contoso-tenant-7/.default"
    And the SDK sends "And 6+6?" in session "A2"
    Then the session.resume request for session "A2" contains none of the tokens any callback of the scenario returns
    And in the session.resume request for session "A2", no provider has a key for a scope, an audience or an expiry
    And the text "cognitiveservices.azure.com" appears in no frame on the wire
    And the text "contoso-tenant-7" appears in no frame on the wire
    And the model endpoint received these requests, in order:
      | path                 | authorization |
      | /v1/chat/completions | Bearer old-1  |
      | /v1/chat/completions | Bearer new-1  |

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

  # BT-14 on session.resume (resume is a capability an SDK may lack, so no
  # BT-2 tag here).
  @BT-14 @BT-13 @needs-resume
  Scenario: Resumed with an API key beside the callback, the provider is flagged and the callback's token is applied
    When session "A" is created with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red-{n}          | static-key |
    And session "A" is resumed as "A2" with model "red/default" and these providers:
      | name | callback returns | apiKey     |
      | red  | red2-{n}         | static-key |
    And the SDK sends "What is 5+5?" in session "A2"
    Then in the session.resume request for session "A2", provider "red" has "hasBearerTokenProvider": true
    And in the session.resume request for session "A2", provider "red" has "apiKey": "static-key"
    And the callback "A/red" was not invoked
    And the model endpoint received these requests, in order:
      | path                     | authorization |
      | /red/v1/chat/completions | Bearer red2-1 |

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
