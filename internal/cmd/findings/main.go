// Command findings writes docs/findings.md (make findings): see package
// findings.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"conformance/internal/findings"
)

func main() {
	doc, err := findings.Render(".")
	if err == nil {
		err = os.WriteFile(filepath.Join("docs", "findings.md"), []byte(doc), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "findings: %v\n", err)
		os.Exit(1)
	}
}
