// Package docs reads the repository's hand-written documents for what
// they tell a reader to type, so that a test can check each command
// against the Makefile as it is, rather than trusting prose to keep up.
package docs

import (
	"regexp"
	"strings"
)

// Command is one `make ...` command a document shows.
type Command struct {
	Line int    // where it starts, 1-based
	Text string // as written, continuation lines joined, without the prompt
}

// inlineMake matches an inline code span that is a make command.
var inlineMake = regexp.MustCompile("`(make(?:[ \\n][^`]*)?)`")

// MakeCommands returns every make command in a Markdown document: each
// line of a fenced code block that starts with `make ` (after an optional
// `$ ` prompt; lines ending in a backslash continue), and each inline code
// span that does (a span may wrap onto the next line). Commands inside
// YAML blocks (a workflow's `run:`) are not the reader's to type and are
// left out.
func MakeCommands(markdown string) []Command {
	var cmds []Command
	lines := strings.Split(markdown, "\n")
	inFence, fenceIsYAML := false, false
	// prose is the text outside fences since proseStart, for inline spans.
	var prose []string
	proseStart := 0
	flush := func() {
		text := strings.Join(prose, "\n")
		for _, m := range inlineMake.FindAllStringSubmatchIndex(text, -1) {
			if strings.Contains(text[m[2]:m[3]], "\n\n") {
				continue // a stray backtick, not a span: spans end with their paragraph
			}
			line := proseStart + strings.Count(text[:m[0]], "\n") + 1
			cmds = append(cmds, Command{Line: line, Text: strings.ReplaceAll(text[m[2]:m[3]], "\n", " ")})
		}
		prose = nil
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if !inFence {
				flush()
				info := strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
				inFence, fenceIsYAML = true, info == "yaml" || info == "yml"
			} else {
				inFence = false
				proseStart = i + 1
			}
			continue
		}
		if !inFence {
			prose = append(prose, line)
			continue
		}
		if fenceIsYAML {
			continue
		}
		text := strings.TrimPrefix(trimmed, "$ ")
		if text != "make" && !strings.HasPrefix(text, "make ") {
			continue
		}
		start := i
		for strings.HasSuffix(text, "\\") && i+1 < len(lines) {
			i++
			text = strings.TrimSuffix(text, "\\") + " " + strings.TrimSpace(lines[i])
		}
		cmds = append(cmds, Command{Line: start + 1, Text: text})
	}
	flush()
	return cmds
}

// placeholder is a value the reader fills in: <sdk>, <archive>, <v1>.
var placeholder = regexp.MustCompile(`<([A-Za-z0-9 _./-]+)>`)

// DryRunScript is the shell text that runs cmd as `make -n` with every
// placeholder filled by its own name (SDK=<sdk> becomes SDK=sdk), or, when
// cmd is more than one make command (a pipe, a list, a substitution
// outside quotes), an empty script and the reason: a dry run could not
// keep the rest from running.
func DryRunScript(cmd string) (script, reason string) {
	filled := placeholder.ReplaceAllStringFunc(cmd, func(p string) string {
		return strings.NewReplacer(" ", "-", "/", "-").Replace(placeholder.FindStringSubmatch(p)[1])
	})
	if op := shellOperator(filled); op != "" {
		return "", "it is more than one command (" + op + "): write one make command per line"
	}
	return "make -n" + strings.TrimPrefix(filled, "make"), ""
}

// shellOperator is the first operator outside quotes that would make the
// shell run something else besides make: ; & | ` $( < >, or "".
func shellOperator(s string) string {
	var quote rune
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case quote == '"' && (r == '`' || r == '$' && i+1 < len(runes) && runes[i+1] == '('):
			return "a substitution in double quotes"
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || runes[i-1] == ' '):
			return "" // a comment: the rest is not run
		case strings.ContainsRune(";&|`<>", r):
			return string(r)
		case r == '$' && i+1 < len(runes) && runes[i+1] == '(':
			return "$("
		}
	}
	return ""
}
