// Command plan answers the Makefile's and CI scripts' questions about
// builds and the CI plan, so that they parse nothing themselves:
//
//	plan sdk-names <builds>   the SDKs a build list names, space-separated ("all": none)
//	plan make-vars            make test's lists from ci/plan.yaml, one NAME|value a line
//	plan test-sdks            every SDK the runs of make test use, space-separated
//	plan registry <sdk>       the SDK's registry kind and package, space-separated
//
// A bad build list fails with package build's message.
package main

import (
	"fmt"
	"os"
	"strings"

	"conformance/internal/build"
	"conformance/internal/ciplan"
	"conformance/internal/sdk"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: plan sdk-names <builds> | make-vars | test-sdks | registry <sdk>")
	}
	arg := func() string {
		if len(os.Args) < 3 {
			fail("%s needs an argument", os.Args[1])
		}
		return os.Args[2]
	}
	switch os.Args[1] {
	case "sdk-names":
		names, err := build.SDKNames(arg())
		if err != nil {
			fail("%v", err)
		}
		fmt.Println(strings.Join(names, " "))
	case "make-vars":
		p := load()
		root, err := os.Getwd()
		if err != nil {
			fail("%v", err)
		}
		vars, err := p.MakeVars(root)
		if err != nil {
			fail("%v", err)
		}
		for _, v := range vars {
			fmt.Printf("%s|%s\n", v.Name, v.Value)
		}
	case "test-sdks":
		fmt.Println(strings.Join(load().SDKs(), " "))
	case "registry":
		s, err := sdk.Lookup(arg())
		if err != nil {
			fail("%v", err)
		}
		fmt.Println(s.Registry.Kind, s.Registry.Package)
	default:
		fail("unknown question %q", os.Args[1])
	}
}

func load() *ciplan.Plan {
	p, err := ciplan.Load("ci/plan.yaml")
	if err != nil {
		fail("%v", err)
	}
	return p
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "plan: "+format+"\n", args...)
	os.Exit(2)
}
