package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The supervisor page's login hint names a command that exists: run as
// it says (NAME filled in), it makes a supervisor's token.
func TestLoginHintCommandWorks(t *testing.T) {
	page, err := os.ReadFile("web/assets/index.html")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<code>go run \./server ([^<]+)</code>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the login hint names no `go run ./server ...` command:\n%s", page)
	}
	args := strings.Fields(strings.ReplaceAll(string(m[1]), "NAME", "sue"))
	var out bytes.Buffer
	if err := Run(context.Background(), append(args, "--data", t.TempDir()), &out, io.Discard); err != nil {
		t.Fatalf("%q: %v", m[1], err)
	}
	if !strings.Contains(out.String(), "pp_") {
		t.Errorf("%q printed %q, want a token", m[1], out.String())
	}
}
