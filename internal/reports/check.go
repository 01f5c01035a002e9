package reports

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"conformance/internal/results"
)

// The schemas each report is checked against; schema/README.md says where
// the ones the suite did not write come from.
//
//go:embed schema/*.json schema/*.xsd
var schemas embed.FS

const (
	verdictSchema  = "schema/verdict.schema.json"
	cucumberSchema = "schema/cucumber-js.schema.json"
	junitSchema    = "schema/junit-10.xsd"
)

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema
	compileErr  error
)

func jsonSchema(name string) (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		compiled = map[string]*jsonschema.Schema{}
		c := jsonschema.NewCompiler()
		c.AssertFormat() // finishedAt must be a date-time, not any string
		for _, n := range []string{verdictSchema, cucumberSchema} {
			b, err := schemas.ReadFile(n)
			if err != nil {
				compileErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				compileErr = fmt.Errorf("%s: %w", n, err)
				return
			}
			if err := c.AddResource(n, doc); err != nil {
				compileErr = err
				return
			}
		}
		for _, n := range []string{verdictSchema, cucumberSchema} {
			s, err := c.Compile(n)
			if err != nil {
				compileErr = err
				return
			}
			compiled[n] = s
		}
	})
	return compiled[name], compileErr
}

// CheckJSON validates the JSON file at path against one of the embedded
// schemas (verdictSchema or cucumberSchema).
func checkJSON(path, schemaName string) error {
	s, err := jsonSchema(schemaName)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return fmt.Errorf("%s: not JSON: %w", path, err)
	}
	if err := s.Validate(doc); err != nil {
		return fmt.Errorf("%s is not valid against %s: %s", path, filepath.Base(schemaName), capLines(err.Error(), 30))
	}
	return nil
}

// CheckVerdict validates a verdict.json against schema/verdict.schema.json.
func CheckVerdict(path string) error { return checkJSON(path, verdictSchema) }

// CheckCucumber validates a cucumber.json against Cucumber's JSON schema.
func CheckCucumber(path string) error { return checkJSON(path, cucumberSchema) }

// CheckJUnit validates a junit.xml against the Jenkins xunit JUnit schema,
// with xmllint (Debian: libxml2-utils): Go has no XSD validator of its own.
func CheckJUnit(path string) error {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return errors.New("xmllint not found: it checks junit.xml against the JUnit XSD; install it (Debian: apt-get install libxml2-utils)")
	}
	xsd, err := schemas.ReadFile(junitSchema)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "junit-*.xsd")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(xsd); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", tmp.Name(), path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s is not valid against %s: %s", path, filepath.Base(junitSchema), strings.TrimSpace(string(out)))
	}
	return nil
}

// Check validates the reports in one run's results folder: verdict.json
// always, junit.xml and cucumber.json where the run wrote them (a build
// that could not run leaves only its verdict.json).
func Check(dir string) error {
	var errs []error
	if err := CheckVerdict(filepath.Join(dir, results.FileName)); err != nil {
		errs = append(errs, err)
	}
	for name, check := range map[string]func(string) error{JUnitFile: CheckJUnit, CucumberFile: CheckCucumber} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := check(path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CheckAll runs Check on every run folder (one with a verdict.json) under
// each of roots, and fails when there is none.
func CheckAll(roots ...string) (checked int, err error) {
	var errs []error
	for _, root := range roots {
		paths, err := filepath.Glob(filepath.Join(root, "*", results.FileName))
		if err != nil {
			return checked, err
		}
		for _, p := range paths {
			checked++
			if err := Check(filepath.Dir(p)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if checked == 0 && len(errs) == 0 {
		return 0, fmt.Errorf("no run folders (*/%s) under %s", results.FileName, strings.Join(roots, ", "))
	}
	return checked, errors.Join(errs...)
}

// capLines keeps the first n lines of a long validation error: the first
// ones name the problem, and one problem usually repeats in every feature.
func capLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n") + "\n  ..."
}
