package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

func entry(seq uint64, code string) Entry {
	return Entry{ID: "hh1-pick-" + string(rune('0'+seq)), Seq: seq, DeviceTime: t0.Add(time.Duration(seq) * time.Second), Code: code}
}

func ids(es []Entry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.ID)
	}
	return strings.Join(s, ",")
}

func openQ(t *testing.T, path string) (*Queue, []Damage) {
	t.Helper()
	q, damage, err := OpenQueue(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q, damage
}

func TestQueueAppendRemoveReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pick-hh1.queue.jsonl")
	q, damage := openQ(t, path)
	if len(damage) != 0 || q.Len() != 0 {
		t.Fatalf("new queue: %d entries, damage %v", q.Len(), damage)
	}
	for i, code := range []string{"A-01-001-1", "4006381333931", "A-03-009-1"} {
		if err := q.Append(entry(uint64(i+1), code)); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Append(entry(2, "again")); err == nil {
		t.Error("appending an old sequence number: no error")
	}
	if got, want := ids(q.After(1)), "hh1-pick-2,hh1-pick-3"; got != want {
		t.Errorf("After(1) = %s, want %s", got, want)
	}
	if e, ok, err := q.Remove("hh1-pick-2"); err != nil || !ok || e.Code != "4006381333931" {
		t.Fatalf("Remove = %v %v %v", e, ok, err)
	}
	if _, ok, _ := q.Remove("hh1-pick-2"); ok {
		t.Error("a second answer to the same scan removed something")
	}
	if err := q.Append(entry(4, "5901234123457")); err != nil {
		t.Fatal(err)
	}
	q.Close()

	// After a restart the file holds exactly what was not answered, in order.
	q2, damage := openQ(t, path)
	if len(damage) != 0 {
		t.Errorf("damage after a clean close: %v", damage)
	}
	if got, want := ids(q2.Pending()), "hh1-pick-1,hh1-pick-3,hh1-pick-4"; got != want {
		t.Errorf("reloaded %s, want %s", got, want)
	}
	for _, id := range []string{"hh1-pick-1", "hh1-pick-3", "hh1-pick-4"} {
		if _, _, err := q2.Remove(id); err != nil {
			t.Fatal(err)
		}
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("file after every answer: %q, want empty", data)
	}
}

func TestQueueEntryKeepsTheScan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.jsonl")
	q, _ := openQ(t, path)
	scans := []*pb.Scan{
		{Code: "4006381333931", Quantity: 2},
		{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: 3},
		{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: pb.ShortReason_SHORT_REASON_CANNOT_FIND},
		{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: 1170},
	}
	m := &idMaker{device: "hh1", mode: ModePick}
	m.f, _ = os.Create(filepath.Join(t.TempDir(), "counter"))
	defer m.f.Close()
	for _, s := range scans {
		seq, err := m.next(s, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Append(entryOf(seq, s)); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	q2, _ := openQ(t, path)
	for i, e := range q2.Pending() {
		if got := e.Scan(); !proto.Equal(got, scans[i]) {
			t.Errorf("scan %d back from the file: %v, want %v", i, got, scans[i])
		}
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), `"action":"SCAN_ACTION_SHORT","short_reason":"SHORT_REASON_CANNOT_FIND"`) {
		t.Errorf("file is not readable by a person: %s", data)
	}
}

// An inventory request comes back from the file as it was sent, scan id
// and device time included, so a re-send after a restart is the same
// request; an unknown call is damage, not a request.
func TestQueueEntryKeepsTheInventoryRequest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.jsonl")
	q, _ := openQ(t, path)
	reqs := []proto.Message{
		&pb.TransferRequest{FromBin: "A-03-009-1", Code: "5901234123457", Quantity: 2, ToBin: "A-02-006-1"},
		&pb.StartCountRequest{Bin: "A-02-004-1"},
		&pb.SubmitCountRequest{Bin: "A-02-004-1", Items: []*pb.CountedItem{{Code: "S2", Quantity: 3}}},
	}
	for i, r := range reqs {
		e, err := inventoryEntry(r, uint64(i+1), "hh1-count-"+string(rune('1'+i)), t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	if err := os.WriteFile(path, append(must(os.ReadFile(path)), `{"id":"x","seq":9,"call":"DropTable","request":{}}`+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	q2, damage := openQ(t, path)
	if len(damage) != 1 || !strings.Contains(damage[0].Error(), "DropTable") {
		t.Errorf("damage: %v, want the unknown call", damage)
	}
	if n := len(q2.Pending()); n != len(reqs) {
		t.Fatalf("%d requests back from the file, want %d", n, len(reqs))
	}
	for i, e := range q2.Pending() {
		got, _, err := requestOf(e)
		if err != nil || !proto.Equal(got, reqs[i]) {
			t.Errorf("request %d back from the file: %v %v, want %v", i, got, err, reqs[i])
		}
	}
	if tr := reqs[0].(*pb.TransferRequest); tr.GetScanId() != "hh1-count-1" || !tr.GetDeviceTime().AsTime().Equal(t0) {
		t.Errorf("transfer not stamped: %v", tr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestQueueToleratesATornTail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "q.jsonl")
	q, _ := openQ(t, path)
	for i := uint64(1); i <= 2; i++ {
		if err := q.Append(entry(i, "A-01-001-1")); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	// Power lost in the middle of the third append.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"id":"hh1-pick-3","seq":3,"dev`)
	f.Close()

	q2, damage := openQ(t, path)
	if len(damage) != 1 || damage[0].Line != 3 || !strings.Contains(damage[0].Error(), "line 3") {
		t.Fatalf("damage = %v, want line 3 reported", damage)
	}
	if got, want := ids(q2.Pending()), "hh1-pick-1,hh1-pick-2"; got != want {
		t.Errorf("kept %s, want %s", got, want)
	}
	if saved, _ := os.ReadFile(path + ".damaged"); !strings.Contains(string(saved), `"seq":3,"dev`) {
		t.Errorf("torn line not kept for inspection: %q", saved)
	}
	// New scans land on a line of their own, not glued to the torn one.
	if err := q2.Append(entry(3, "A-03-009-1")); err != nil {
		t.Fatal(err)
	}
	q2.Close()
	q3, damage := openQ(t, path)
	if len(damage) != 0 || ids(q3.Pending()) != "hh1-pick-1,hh1-pick-2,hh1-pick-3" {
		t.Errorf("after repair: %s, damage %v", ids(q3.Pending()), damage)
	}
}

func TestQueueSkipsAndReportsBadLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.jsonl")
	good1, good3 := mustJSON(entry(1, "A")), mustJSON(entry(3, "C"))
	data := string(good1) + "\n" +
		"not json at all\n" +
		`{"id":"","seq":2}` + "\n" +
		`{"id":"x","seq":5,"action":"SCAN_ACTION_TELEPORT"}` + "\n" +
		string(good3) + "\n" +
		string(mustJSON(entry(2, "older"))) + "\n"
	os.WriteFile(path, []byte(data), 0o600)
	q, damage := openQ(t, path)
	var lines []int
	for _, d := range damage {
		lines = append(lines, d.Line)
	}
	if len(lines) != 4 || lines[0] != 2 || lines[1] != 3 || lines[2] != 4 || lines[3] != 6 {
		t.Errorf("damaged lines %v, want [2 3 4 6]", lines)
	}
	if got := ids(q.Pending()); got != "hh1-pick-1,hh1-pick-3" {
		t.Errorf("kept %s", got)
	}
}
