package web

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// The history export and the shift report of a shift whose orders, scans
// and movements have moved to the archive files are what they were before.
func TestExportsOfArchivedDaysAreUnchanged(t *testing.T) {
	e := newEnv(t)
	e.clock.advance(time.Minute)
	e.submit(t, "O1", floor.OrderLine{SKU: e.skus[0], Quantity: 1})
	e.pickTask(t, "ann", time.Second)
	e.packAndHandOff(t, "O1", e.skus[0])

	q := "?from=" + shiftStart.Add(-time.Hour).Format(time.RFC3339) + "&to=" + shiftStart.Add(8*time.Hour).Format(time.RFC3339)
	exports := []string{"/reports/history.csv" + q, "/reports/shift.csv" + q}
	var before [][]byte
	for _, path := range exports {
		resp, body := e.get(t, path, floor.RoleSupervisor)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("\n")) {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		before = append(before, body)
	}

	e.clock.advance(10 * 24 * time.Hour)
	res, err := e.st.ArchiveRetaining(3)
	if err != nil || res.Orders != 1 || res.Movements == 0 || res.Scans == 0 || res.Tasks != 1 {
		t.Fatalf("archive = %+v, %v; want the order, its task, scans and movements moved", res, err)
	}
	for i, path := range exports {
		if _, body := e.get(t, path, floor.RoleSupervisor); !bytes.Equal(body, before[i]) {
			t.Errorf("%s after archiving:\n%s\nwant\n%s", path, body, before[i])
		}
	}
	if o, err := e.st.Order("O1"); err != nil || o.State != floor.StateHandedOff {
		t.Errorf("Order(O1) after archiving = %v, %v; want it handed off", o.State, err)
	}
}
