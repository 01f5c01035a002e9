// Command stdioshim stands in for the Copilot runtime executable when an SDK
// is run over stdio (TRANSPORT=stdio): the SDK spawns it as its runtime and
// speaks to its stdin and stdout; the shim relays those bytes, unchanged, to
// the runtime under test over TCP (the fake runtime, or the wire tap in
// front of the real one), so the same wire log and steps serve both
// transports. The address comes as "--connect host:port" among the
// arguments; whatever else the SDK passes (--stdio, --headless, ...) is
// ignored. It exits when the SDK closes its stdin or the runtime hangs up.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	addr := ""
	for i, a := range os.Args[1:] {
		if a == "--connect" && i+2 < len(os.Args) {
			addr = os.Args[i+2]
		}
	}
	if addr == "" {
		fmt.Fprintln(os.Stderr, "stdioshim: no --connect host:port among the arguments:", os.Args[1:])
		os.Exit(2)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stdioshim:", err)
		os.Exit(1)
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(conn, os.Stdin); done <- struct{}{} }()
	go func() { _, _ = io.Copy(os.Stdout, conn); done <- struct{}{} }()
	<-done // either side ending ends the relay
	conn.Close()
}
