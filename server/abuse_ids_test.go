package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// TestAbuseCommandLine: the import and token commands hold ids and text
// to the same rules as the API. A file with one bad id or one field over
// its limit is refused whole, nothing is stored, and the error does not
// carry a huge value back.
func TestAbuseCommandLine(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) error {
		return Run(context.Background(), append(args, "--data", dir), io.Discard, io.Discard)
	}
	if err := run("import", "skus", "rpc/testdata/skus.csv"); err != nil {
		t.Fatal(err)
	}
	file := func(name, content string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const header = "order_id,sku,quantity,recipient_name,address1,country\n"
	huge := strings.Repeat("A", 1<<20)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"orders csv: traversal id", []string{"import", "orders", file("o.csv", header+"O1,S1,1,Ann,,DE\nx/../../../../../tmp/x/PWNED,S1,1,Bob,,DE\n")},
			`row 3 (x/../../../../../tmp/x/PWNED).order_id: "x/../../../../../tmp/x/PWNED": character 2 is "/"`},
		{"orders csv: long address line", []string{"import", "orders", file("o.csv", header+"O1,S1,1,Ann,"+strings.Repeat("x", floor.MaxAddressLineLen+1)+",DE\n")},
			"row 2 (O1).address1: 71 characters, at most 70"},
		{"orders json: 1 MB id, dry run", []string{"import", "orders", file("o.json", `[{"id":"`+huge+`","lines":[{"sku":"S1","quantity":1}],"recipient":{"name":"Ann","country":"DE"}}]`), "--dry-run"},
			"orders[0].id: \"" + strings.Repeat("A", 64) + "\"… (1048576 bytes) has 1048576 characters, at most 64"},
		{"skus csv: slash in id", []string{"import", "skus", file("s.csv", "sku,name\nS9,nine\nS/10,ten\n")},
			`row 3 (S/10).sku: "S/10": character 2 is "/"`},
		{"supply: bad sku", []string{"import", "supply", file("s.csv", "sku,supplier,lead_time_days\n../S1,ACME,3\n")}, "row 2.sku"},
		{"token: dot dot user", []string{"token", "create", "--user", "..", "--role", "packer"}, `--user: validate user name: ".." is not allowed`},
		{"token: 1 MB user", []string{"token", "create", "--user", huge, "--role", "packer"}, "at most 64"},
		{"plan: bad picker", []string{"plan", "--picker", "../ann", "--bins", "A-01-001-1"}, "--picker: validate user name"},
		{"channel SLA: long channel", []string{"import", "orders", file("o.csv", header+"O1,S1,1,Ann,,DE\n"), "--channel-sla", strings.Repeat("c", floor.MaxChannelLen+1) + "=10m"},
			"channel 65 characters, at most 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %.300v, want an error with %q", err, tc.want)
			}
			if n := len(err.Error()); n > 4096 {
				t.Errorf("the error is %d bytes", n)
			}
		})
	}
	st, err := store.Open(filepath.Join(dir, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Order("O1"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("order O1 of a refused file: %v, want not found", err)
	}
	if _, err := st.SKU("S9"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("SKU S9 of a refused file: %v, want not found", err)
	}
	if users, err := st.Users(); err != nil || len(users) != 0 {
		t.Errorf("users after refused token commands: %v %v", users, err)
	}
}
