package steps

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
)

// A callback script is a table of what the callback does on each
// invocation:
//
//	| invocation | does                                   |
//	| 1          | fails with "token service unavailable" |
//	| 2+         | returns "tok-{n}" after 3000 ms        |
//
// Row k is invocation k; only the last row may say "k+", and it must, since
// the protocol repeats the last response for every later invocation.
var scriptAction = regexp.MustCompile(`^(returns|fails with) "((?:[^"\\]|\\.)*)"(?: after (\d+) ms)?$|^returns the JSON value (.+)$`)

func parseScript(table *godog.Table) (*driver.Callback, error) {
	rows := table.Rows
	if len(rows) < 2 || len(rows[0].Cells) != 2 || rows[0].Cells[0].Value != "invocation" || rows[0].Cells[1].Value != "does" {
		return nil, fmt.Errorf("a callback script is a table | invocation | does | with a header row")
	}
	cb := &driver.Callback{}
	for i, row := range rows[1:] {
		last := i == len(rows)-2
		label, want := row.Cells[0].Value, strconv.Itoa(i+1)
		if last {
			want += "+"
		}
		if label != want {
			return nil, fmt.Errorf("callback script row %d is for invocation %q, want %q", i+1, label, want)
		}
		r, err := parseAction(row.Cells[1].Value)
		if err != nil {
			return nil, fmt.Errorf("callback script row %d: %w", i+1, err)
		}
		cb.Responses = append(cb.Responses, r)
	}
	return cb, nil
}

func parseAction(does string) (driver.Response, error) {
	m := scriptAction.FindStringSubmatch(strings.TrimSpace(does))
	if m == nil {
		return driver.Response{}, fmt.Errorf(`%q: want returns "<token>", fails with "<message>" (either with "after <n> ms"), or returns the JSON value <json>`, does)
	}
	if m[4] != "" {
		raw := json.RawMessage(m[4])
		if !json.Valid(raw) {
			return driver.Response{}, fmt.Errorf("%q is not a JSON value", m[4])
		}
		return driver.Response{Value: &raw}, nil
	}
	text, err := strconv.Unquote(`"` + m[2] + `"`)
	if err != nil {
		return driver.Response{}, err
	}
	var r driver.Response
	if m[1] == "returns" {
		r.Token = &text
	} else {
		r.Error = &text
	}
	if m[3] != "" {
		r.DelayMs, _ = strconv.Atoi(m[3])
	}
	return r, nil
}
