package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// clockAt is a clock that stays where it is put.
type clockAt struct{ t time.Time }

func (c clockAt) Now() time.Time { return c.t }

// oldSite writes a data file whose stock was put in and two of whose
// orders were cancelled 200 days ago, and one order cancelled now.
func oldSite(t *testing.T, dir string) {
	t.Helper()
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "pickpack.db")
	long := clockAt{time.Now().AddDate(0, 0, -200)}
	st, err := store.Open(path, store.Options{Clock: long})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportBinMap(w.Map, false); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSKUs(w.SKUs, false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AdjustStock(store.StockAdjustment{Bin: w.Map.Bins[0].Code, SKU: w.SKUs[0].ID, Delta: 7}); err != nil {
		t.Fatal(err)
	}
	var orders []floor.Order
	for i := range 3 {
		orders = append(orders, floor.Order{ID: fmt.Sprintf("O-%d", i), Channel: "shop", Lines: []floor.OrderLine{{SKU: w.SKUs[0].ID, Quantity: 1}},
			Recipient: floor.Address{Name: "Ann Lee", Lines: []string{"1 Main St"}, City: "Köln", PostalCode: "50667", Country: "DE"}})
	}
	if _, err := st.SubmitOrders(orders, false); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"O-0", "O-1"} {
		if _, err := st.CancelOrder("sup", id, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err = store.Open(path, store.Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CancelOrder("sup", "O-2", "test"); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveCommand moves a stopped site's old history to DATA/archive,
// finds nothing more to move the second time, and leaves a file that
// passes the audit and still shows the archived order and movements.
func TestArchiveCommand(t *testing.T) {
	dir := t.TempDir()
	oldSite(t, dir)
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(context.Background(), args, &out, &out)
		return out.String(), err
	}
	out, err := run("archive", "--data", dir, "--retain-days", "30")
	if err != nil || !strings.Contains(out, "3 movements, 2 closed orders") {
		t.Fatalf("archive: %v\n%s", err, out)
	}
	if out, err := run("archive", "--data", dir, "--retain-days", "30"); err != nil || !strings.Contains(out, "nothing to move") {
		t.Errorf("second archive: %v\n%s", err, out)
	}
	if out, err := run("audit", "--data", dir); err != nil {
		t.Errorf("audit after archiving: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--retain-days", "0"}, {"--retain-days", "-3"}} {
		if out, err := run(append([]string{"archive", "--data", dir}, args...)...); err == nil || !strings.Contains(err.Error(), "at least 1") {
			t.Errorf("archive %v: %v\n%s", args, err, out)
		}
	}
	if out, err := run("serve", "--data", t.TempDir(), "--retain-days", "-1"); err == nil || !strings.Contains(err.Error(), "--retain-days") {
		t.Errorf("serve --retain-days -1: %v\n%s", err, out)
	}
	if out, err := run("archive", "--data", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no data file") {
		t.Errorf("archive of no data file: %v\n%s", err, out)
	}

	st, err := store.Open(filepath.Join(dir, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"O-0", "O-2"} {
		if o, err := st.Order(id); err != nil || o.State != floor.StateCancelled {
			t.Errorf("Order(%s) = %v, %v; want it cancelled", id, o.State, err)
		}
	}
	ms, _, err := st.History(time.Time{}, time.Time{}, 0, 100)
	if err != nil || len(ms) != 4 {
		t.Errorf("History has %d movements (%v), want the adjustment, two old cancellations and the new one", len(ms), err)
	}
}
