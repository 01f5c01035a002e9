package driver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// hostileDriver is the test binary playing a driver that speaks
// drivers/PROTOCOL.md well enough for hello, and misbehaves on any command
// whose "misbehave" field names a way to. Like a real driver it has a
// child (as an SDK spawns its runtime) that shares its stderr; unlike one
// it ignores EOF on stdin, so only killing its process group ends it.
func hostileDriver() {
	child := exec.Command("sleep", "300")
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "hostile driver: cannot start its child:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "hostile driver starting")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var c struct {
			ID        int
			Misbehave string
		}
		_ = json.Unmarshal(in.Bytes(), &c)
		// Answers start with the record separator (PROTOCOL.md, "Framing").
		ok := fmt.Sprintf("\x1e"+`{"id":%d,"ok":true,"result":{"sdk":"hostile","sdkVersion":"0.0.1","generation":2}}`, c.ID)
		switch c.Misbehave {
		case "":
			fmt.Println(ok)
		case "not-json":
			fmt.Println("\x1epanic: runtime error: index out of range [3] with length 3")
		case "sdk-output-on-stdout": // the SDK's own line: kept apart, not an answer
			fmt.Println("the SDK says hello on stdout")
			fmt.Println(ok)
		case "wrong-id":
			fmt.Printf("\x1e"+`{"id":%d,"ok":true,"result":{}}`+"\n", c.ID+1)
		case "answer-twice":
			fmt.Println(ok)
			fmt.Println(ok)
		case "never-answer":
		case "exit-mid-answer":
			fmt.Fprintln(os.Stderr, "fatal: the SDK crashed")
			fmt.Print(ok[:12])
			os.Exit(2)
		case "stderr-flood", "stderr-flood-then-exit":
			flood()
			if c.Misbehave == "stderr-flood-then-exit" {
				os.Exit(1)
			}
			fmt.Println(ok)
		case "exit-leaving-child-on-stdout":
			holder := exec.Command("sleep", "300")
			holder.Stdout = os.Stdout
			_ = holder.Start()
			os.Exit(3)
		case "endless-line":
			line := bytes.Repeat([]byte("x"), 1<<20)
			for i := 0; i < 20; i++ {
				_, _ = os.Stdout.Write(line)
			}
		case "close-stdout":
			_ = os.Stdout.Close()
		}
	}
	time.Sleep(time.Hour)
}

// flood writes 100 MB of numbered lines to stderr.
func flood() {
	w := bufio.NewWriterSize(os.Stderr, 64<<10)
	for n, written := 0, 0; written < 100<<20; n++ {
		k, _ := fmt.Fprintf(w, "flood line %d: the SDK logs without end\n", n)
		written += k
	}
	_ = w.Flush()
}
