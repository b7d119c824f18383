package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

func TestImportOrdersWithMapping(t *testing.T) {
	const examples = "floor/testdata/mappings/"
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out strings.Builder
		err := Run(context.Background(), append(args, "--data", dir), &out, io.Discard)
		return out.String(), err
	}
	if _, err := run("import", "skus", "rpc/testdata/skus.csv"); err != nil {
		t.Fatal(err)
	}
	// Exports often come as .txt; with a mapping the name does not matter.
	badRow := filepath.Join(t.TempDir(), "orders.txt")
	good, _ := os.ReadFile(examples + "marketplace-orders.csv")
	os.WriteFile(badRow, []byte(strings.Replace(string(good), "USB-C cable,1,3.00", "USB-C cable,one,3.00", 1)), 0o600)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "orders", badRow, "--mapping", examples + "marketplace.json"},
			`row 3 (302-1111111-0000002), column quantity-purchased: want a whole number, got "one"`},
		{[]string{"import", "orders", examples + "marketplace-orders.csv", "--mapping", examples + "marketplace.json", "--format", "json"},
			"--format json with --mapping " + examples + "marketplace.json: the mapping reads csv, not json"},
		{[]string{"import", "orders", examples + "marketplace-orders.csv", "--mapping", examples + "marketplace-orders.csv"},
			"marketplace-orders.csv: 1 problem in the input\n  line 1, column 1: invalid character"},
		{[]string{"import", "skus", "rpc/testdata/skus.csv", "--mapping", examples + "marketplace.json"}, "--mapping is for orders only"},
	} {
		if _, err := run(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Run(%v) = %v, want an error with %q", tt.args, err, tt.want)
		}
	}
	out, err := run("import", "orders", examples+"shop-orders.json", "--mapping", examples+"shop.json", "--format", "json")
	if err != nil || !strings.Contains(out, "imported 2 orders (2 new") {
		t.Errorf("import orders: %q, %v", out, err)
	}

	st, err := store.Open(filepath.Join(dir, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Order("302-1111111-0000001"); floor.KindOf(err) != floor.KindNotFound {
		t.Errorf("order of a refused file: %v, want not found", err)
	}
	o, err := st.Order("#1001")
	if want := []floor.OrderLine{{SKU: "S1", Quantity: 2}, {SKU: "S2", Quantity: 3}}; err != nil || !reflect.DeepEqual(o.Lines, want) {
		t.Errorf("order #1001: lines %v, %v, want %v", o.Lines, err, want)
	}
}
