package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// Slots and supply load from CSV; a bad file stores nothing and says which
// row is wrong.
func TestImportSlotsAndSupply(t *testing.T) {
	dir := t.TempDir()
	run := func(kind, content string, extra ...string) (string, error) {
		file := filepath.Join(t.TempDir(), kind+".csv")
		os.WriteFile(file, []byte(content), 0o600)
		var out strings.Builder
		err := Run(context.Background(), append([]string{"import", kind, file, "--data", dir}, extra...), &out, io.Discard)
		return out.String(), err
	}
	for _, args := range [][]string{{"binmap", "rpc/testdata/binmap.json"}, {"skus", "rpc/testdata/skus.csv"}} {
		if err := Run(context.Background(), []string{"import", args[0], args[1], "--data", dir}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := run("slots", "bin,sku,min,max\nA-01-001-1,S1,2,8\n", "--dry-run"); err != nil || !strings.Contains(out, "dry run") {
		t.Errorf("dry run: %q %v", out, err)
	}
	if _, err := run("slots", "bin,sku,min,max\nA-01-001-1,S1,2,8\nZ-09,S1,1,3\n"); err == nil || !strings.Contains(err.Error(), `row 3.bin: unknown bin "Z-09"`) {
		t.Errorf("unknown bin: %v", err)
	}
	if out, err := run("slots", "bin,sku,min,max\nA-01-001-1,S1,2,8\n"); err != nil || !strings.Contains(out, "imported 1 pick-bin slots") {
		t.Errorf("slots: %q %v", out, err)
	}
	if _, err := run("supply", "sku,supplier,lead_time_days\nS1,ACME,ten\n"); err == nil || !strings.Contains(err.Error(), "row 2.lead_time_days") {
		t.Errorf("bad lead time: %v", err)
	}
	if out, err := run("supply", "sku,supplier,lead_time_days,safety_stock\nS1,ACME,10,5\n"); err != nil || !strings.Contains(out, "supply data of 1 SKUs") {
		t.Errorf("supply: %q %v", out, err)
	}
	st, err := store.Open(filepath.Join(dir, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tasks, err := st.MoveTasks() // S1 has no reserve bin: nothing to move, but the slot is read
	if err != nil || len(tasks) != 0 {
		t.Errorf("move tasks: %v %v", tasks, err)
	}
	// With reserve stock the imported slot (A-01-001-1, min 2, max 8) asks
	// to be filled; without the slot nothing would.
	if _, err := st.AdjustStock(store.StockAdjustment{Bin: "A-02-004-1", SKU: "S1", Delta: 20, Reason: "test", User: "test"}); err != nil {
		t.Fatal(err)
	}
	tasks, err = st.MoveTasks()
	if want := (floor.MoveTask{SKU: "S1", From: "A-02-004-1", To: "A-01-001-1", Units: 8}); err != nil || len(tasks) != 1 ||
		tasks[0].SKU != want.SKU || tasks[0].From != want.From || tasks[0].To != want.To || tasks[0].Units != want.Units {
		t.Errorf("move tasks with reserve stock: %+v %v, want %+v", tasks, err, want)
	}
	sugg, _, err := st.PurchaseSuggestions(floor.DefaultPurchasePolicy)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(sugg, func(p floor.PurchaseSuggestion) bool { return p.StockPosition.SKU == "S1" })
	if i < 0 || !sugg[i].HasSupply || sugg[i].Supplier != "ACME" || sugg[i].LeadTimeDays != 10 || sugg[i].SafetyStock != 5 {
		t.Errorf("imported supply of S1 not stored: %+v", sugg)
	}
}
