Feature: The token is a secret (tentative)
  A token a callback returns is a credential. The SDK passes it to the
  runtime in the answer to the request that asked for it, and nowhere else.

  Background:
    Given the Copilot runtime under test and a model endpoint
    And the SDK under test is connected to the runtime

  @tentative
  Rule: BT-17 The token is a secret
    The string a callback returns appears on the wire only in the result of
    its own providerToken.getToken answer: never in another frame (either
    way), never in a JSON-RPC error message, and never in what the SDK
    writes to stdout or stderr at its default settings.

    Why: a Managed Identity token is a credential; the contract keeps scope and token out of session.create (BT-3) for the same reason.

    # <secret> is a random stem per scenario, so a match anywhere is a copy
    # of a token. The driver's own protocol lines are not the SDK's output
    # (drivers/PROTOCOL.md, "Framing").
    # "Logs at its default settings": none of node 1.0.14, python 1.0.27,
    # go 1.0.14, rust 1.0.28 and java 1.0.11 writes a log file at its
    # default settings; each logs to stderr (node's dist/client.js,
    # python's logging with no handler, go's log package, rust's tracing
    # through the application's subscriber, java.util.logging's console
    # handler), which this scenario searches. Run with HOME and TMPDIR empty,
    # node, go, python and rust wrote no file there. The evidence is in
    # CONTRACT.md, "BT-17 and log files".
    @BT-17 @fake-only
    Scenario: Each token appears only in the answer to its own request, and never in the SDK's output
      When session "A" is created with model "red/default" and these providers:
        | name | callback returns  |
        | red  | <secret>-red-{n}  |
        | blue | <secret>-blue-{n} |
      And the runtime asks session "A" for a token for provider "red" 2 times in a row
      And the runtime asks session "A" for a token for provider "blue" 1 time in a row
      And the runtime asks session "A" for a token for provider "ghost" 1 time in a row
      And the SDK sends "What is 5+5?" in session "A"
      And the SDK sends "What is 5+5?" in session "A"
      Then every token a callback returned appears in exactly one frame, the answer to its own token request
      And no part of a token appears in what the SDK wrote to stdout or stderr
      And the reply is "ten"
      And the callback "A/red" was invoked 4 times
