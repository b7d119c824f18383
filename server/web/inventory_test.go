package web

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// The history export holds every movement of the range, in order, with who
// made it; pages (of 2 here) are joined seamlessly.
func TestHistoryCSV(t *testing.T) {
	e := newEnv(t)
	e.clock.advance(time.Minute)
	e.submit(t, "O1", floor.OrderLine{SKU: e.skus[0], Quantity: 1})
	e.pickTask(t, "ann", time.Second)
	e.packAndHandOff(t, "O1", e.skus[0])

	q := "?from=" + shiftStart.Add(time.Second).Format(time.RFC3339) + "&to=" + shiftStart.Add(time.Hour).Format(time.RFC3339)
	resp, body := e.get(t, "/reports/history.csv"+q, floor.RoleSupervisor)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("history: %d %s", resp.StatusCode, body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[2]+" "+r[3]+" "+r[5]+" "+r[6])
	}
	want := []string{"ann pick " + e.skus[0] + " -1", "pk1 pack " + e.skus[0] + " 1", "pk1 ship " + e.skus[0] + " 1"}
	if strings.Join(rows[0], ",") != "seq,at,user,kind,bin,sku,units,ref,note" || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("history rows %q, want %q", got, want)
	}
	for _, bad := range []string{"", "?from=yesterday&to=2026-03-02T14:00:00Z", "?from=2026-03-02T14:00:00Z&to=2026-03-02T06:00:00Z"} {
		if resp, body := e.get(t, "/reports/history.csv"+bad, floor.RoleSupervisor); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("history%s: %d %s, want 400", bad, resp.StatusCode, body)
		}
	}
}

func TestPurchaseCSV(t *testing.T) {
	e := newEnv(t)
	if err := e.st.SetSupply([]floor.Supply{{SKU: e.skus[0], Supplier: "ACME", LeadTimeDays: 5, SafetyStock: 1000000}}, false); err != nil {
		t.Fatal(err)
	}
	resp, body := e.get(t, "/reports/purchase.csv?sales_days=7", floor.RoleSupervisor)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("purchase: %d %s", resp.StatusCode, body)
	}
	rows, _ := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if len(rows) != len(e.skus)+1 || rows[1][0] != e.skus[0] || rows[1][1] != "ACME" || rows[1][10] == "0" {
		t.Errorf("purchase rows: %q", rows[:2])
	}
	if rows[2][1] != "" || !strings.Contains(rows[2][12], "no supply data") {
		t.Errorf("a SKU without supply data: %q", rows[2])
	}
	if resp, _ := e.get(t, "/reports/purchase.csv?sales_days=0", floor.RoleSupervisor); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("sales_days=0: %d, want 400", resp.StatusCode)
	}
}
