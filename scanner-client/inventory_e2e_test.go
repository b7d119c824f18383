package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

const upcS3 = "036000291452" // S3 Tea sample: in the SKUs, on no delivery here

// expect types each scan or key and checks the line its answer starts
// with (the bell first when it rings).
func (tm *terminal) expect(steps ...[2]string) {
	tm.t.Helper()
	for _, st := range steps {
		if got := tm.expectLine(st[0], st[1]); !strings.HasPrefix(got, st[1]) {
			tm.t.Errorf("%s: line %q, want it to start %q", st[0], got, st[1])
		}
	}
}

// quit types q and waits for the client to end without an error.
func (tm *terminal) quit() {
	tm.t.Helper()
	tm.typeLine("q")
	if err := tm.end(); err != nil {
		tm.t.Fatal(err)
	}
}

// loadedServer is a server with the bin map, SKUs, stock and order of load.
func loadedServer(t *testing.T) *server {
	t.Helper()
	s := newServer(t)
	s.load()
	return s
}

// expectDelivery records a purchase order as the admin.
func (s *server) expectDelivery(id string, lines ...*pb.DeliveryLine) {
	s.t.Helper()
	_, err := pb.NewInventoryServiceClient(s.admin).ExpectDelivery(s.as(floor.RoleAdmin), &pb.ExpectDeliveryRequest{Delivery: &pb.Delivery{
		Id: id, Kind: pb.DeliveryKind_DELIVERY_KIND_PURCHASE_ORDER, Supplier: "ACME", Lines: lines}})
	if err != nil {
		s.t.Fatal(err)
	}
}

// delivery is a delivery as the server has it.
func (s *server) delivery(id string) *pb.Delivery {
	s.t.Helper()
	d, err := pb.NewInventoryServiceClient(s.admin).GetDelivery(s.as(floor.RoleAdmin), &pb.GetDeliveryRequest{Id: id})
	if err != nil {
		s.t.Fatal(err)
	}
	return d.GetDelivery()
}

// A receiver counts a purchase order in: right, over, not on the delivery,
// unknown, damaged; then closes it and reads the discrepancy report.
func TestReceiveThroughTheClient(t *testing.T) {
	s := loadedServer(t)
	s.expectDelivery("PO-1", &pb.DeliveryLine{Sku: "S1", Expected: 3}, &pb.DeliveryLine{Sku: "S2", Expected: 2})
	r := startClient(t, append(clientArgs(ModeReceive, s, floor.RoleReceiver, t.TempDir()), "--delivery", "PO-1")...)
	r.line("DELIVERY PO-1, purchase order from ACME: 2 lines, 0/5 units received")
	r.line("S1: 0/3 received")

	r.expect([2]string{eanS1, "[OK] " + eanS1 + ": 1 of 3 of S1 received"})
	if got := r.line("put away in"); !strings.Contains(got, "S1: 1/3 received · put away in A-01-001-1 (already holds 4 of the SKU), 1 at the dock") {
		t.Errorf("line after the first unit: %q, want the line and where to put it", got)
	}
	r.expect(
		[2]string{"*2", "[OK] " + eanS1 + " × 2: 3 of 3 of S1 received"},
		[2]string{eanS1, "\a[OVER] " + eanS1 + ": 4 of S1 received, 3 expected: 1 over"},
	)
	r.line("  S1: 4/3 received: 1 over")
	r.expect(
		[2]string{upcS3, "\a[NOT ON DELIVERY] " + upcS3 + ": S3 is not on delivery PO-1: set it aside"},
		[2]string{"NOPE-1", "\a[UNKNOWN BARCODE] NOPE-1"},
		[2]string{"!d", "  next: scan the item that came damaged: 1 unit of it set aside"},
		[2]string{eanS2, "[DAMAGED] " + eanS2 + ", 1 damaged: 0 of 2 of S2 received; 1 damaged set aside"},
		[2]string{eanS2, "[OK] " + eanS2 + ": 1 of 2 of S2 received"},
		[2]string{"!c", "close delivery PO-1? Nothing more can be received on it after"},
		[2]string{"!c", "[CLOSED] close delivery PO-1: 2 of 2 lines differ from what was expected"},
	)
	r.line("  S1: 4/3 received: 1 over")
	r.line("  S2: 1/2 received, 1 damaged: 1 under")
	r.line("  delivery PO-1 is closed: q to quit")
	r.expect([2]string{eanS1, "\a[DELIVERY CLOSED] " + eanS1})
	r.quit()
	d := s.delivery("PO-1")
	if d.GetClosedAt() == nil || d.GetLines()[0].GetReceived() != 4 || d.GetLines()[1].GetReceived() != 1 || d.GetLines()[1].GetDamaged() != 1 {
		t.Errorf("delivery after receiving: %v", d)
	}
}

// The delivery a receiver starts with is checked as soon as the server
// answers, before any scan is read: a delivery the server does not know
// ends the client with a message naming it, and nothing is queued.
func TestReceiveChecksTheDeliveryAtStart(t *testing.T) {
	s := loadedServer(t)
	s.expectDelivery("PO-1", &pb.DeliveryLine{Sku: "S1", Expected: 3})
	for _, tc := range []struct {
		delivery string
		err      string   // "" for none
		out      []string // shown, in order
	}{
		{"PO-1", "", []string{"DELIVERY PO-1, purchase order from ACME: 1 lines, 0/3 units received\n", "  next: scan each item of PO-1 "}},
		{"PO-NOPE", "delivery PO-NOPE does not exist on the server (" + s.notFound("PO-NOPE") + ")", nil},
	} {
		t.Run(tc.delivery, func(t *testing.T) {
			dir := t.TempDir()
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			err := Run(ctx, append(clientArgs(ModeReceive, s, floor.RoleReceiver, dir), "--delivery", tc.delivery), strings.NewReader("q\n"), &out, &out)
			if got := fmt.Sprint(err); (err == nil) != (tc.err == "") || err != nil && got != tc.err {
				t.Errorf("error: got %q, want %q", got, tc.err)
			}
			got := out.String()
			for _, want := range tc.out {
				i := strings.Index(got, want)
				if i < 0 {
					t.Fatalf("output lacks %q (or not in order):\n%s", want, out.String())
				}
				got = got[i+len(want):]
			}
			if tc.err != "" && strings.Contains(out.String(), "next: ") {
				t.Errorf("asked for scans against an unknown delivery:\n%s", out.String())
			}
			if queued, _ := os.ReadFile(queuePath(dir, "hh1", ModeReceive)); len(queued) != 0 {
				t.Errorf("queue: got %q, want it empty", queued)
			}
		})
	}
}

// A receiver started while the server is down is told so and works
// offline; the delivery is checked when the server appears. A known one is
// shown and the receipts applied; an unknown one ends the client, the
// receipts kept on the device.
func TestReceiveStartedOfflineChecksTheDeliveryLater(t *testing.T) {
	for _, tc := range []struct {
		delivery string
		err      string // with the server's reason in place of %s; "" for none
		queued   int    // receipts left in the queue file
	}{
		{"PO-1", "", 0},
		{"PO-NOPE", "delivery PO-NOPE does not exist on the server (%s); 1 unanswered request kept on this device", 1},
	} {
		t.Run(tc.delivery, func(t *testing.T) {
			s := loadedServer(t)
			s.expectDelivery("PO-1", &pb.DeliveryLine{Sku: "S1", Expected: 3})
			want := ""
			if tc.err != "" {
				want = fmt.Sprintf(tc.err, s.notFound(tc.delivery))
			}
			addr := s.addr
			s.stop()
			dir := t.TempDir()
			r := startClient(t, append(clientArgs(ModeReceive, s, floor.RoleReceiver, dir), "--delivery", tc.delivery)...)
			r.line("\aOFFLINE: cannot reach the server")
			r.line("(delivery " + tc.delivery + " not checked yet: it is, and shown, when the link returns)")
			r.line("next: scan each item of " + tc.delivery)
			r.expect([2]string{eanS1, "… " + eanS1 + ": PENDING, offline"})
			s.start(addr)
			if want == "" {
				r.line("DELIVERY PO-1, purchase order from ACME")
				r.line("[OK] " + eanS1 + ": 1 of 3 of S1 received")
				r.quit()
			} else if got := fmt.Sprint(r.end()); got != want {
				t.Errorf("error: got %q, want %q", got, want)
			}
			queued, err := os.ReadFile(queuePath(dir, "hh1", ModeReceive))
			if got := strings.Count(string(queued), `"call":"Receive"`); err != nil || got != tc.queued {
				t.Errorf("receipts queued: got %d (%v), want %d", got, err, tc.queued)
			}
		})
	}
}

// notFound is the server's reason for refusing to read a delivery it does
// not know.
func (s *server) notFound(id string) string {
	s.t.Helper()
	_, err := pb.NewInventoryServiceClient(s.admin).GetDelivery(s.as(floor.RoleAdmin), &pb.GetDeliveryRequest{Id: id})
	if status.Code(err) != codes.NotFound {
		s.t.Fatalf("GetDelivery(%s) = %v, want NotFound", id, err)
	}
	return status.Convert(err).Message()
}

// A receiver puts units from the dock away: the suggested bin is shown
// before the bin scan, the stock moves into the bin scanned.
func TestPutAwayThroughTheClient(t *testing.T) {
	s := loadedServer(t)
	s.expectDelivery("PO-2", &pb.DeliveryLine{Sku: "S2", Expected: 5})
	if _, err := pb.NewInventoryServiceClient(s.admin).Receive(s.as(floor.RoleReceiver), &pb.ReceiveRequest{
		ScanId: "dock-1", DeliveryId: "PO-2", Code: eanS2, Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	p := startClient(t, clientArgs(ModePutaway, s, floor.RoleReceiver, t.TempDir())...)
	p.line("next: scan an item waiting at the dock")
	p.typeLine(eanS2)
	p.line("next: scan the bin label to put " + eanS2 + " in")
	p.line("suggested bin for S2: A-03-009-1 (already holds 10 of the SKU) · 5 at the dock")
	p.expect(
		[2]string{"*2", "  next: scan the bin label to put " + eanS2 + " × 3 in"},
		[2]string{"A-02-004-1", "[OK] " + eanS2 + " × 3 into A-02-004-1: 3 of S2 put in A-02-004-1; 2 left at the dock"},
	)
	p.line("next: scan an item waiting at the dock")
	if l := s.level("A-02-004-1", "S2"); l.OnHand != 3 {
		t.Errorf("S2 in A-02-004-1 after the put-away: %+v, want 3", l)
	}
	p.typeLine(eanS2)
	p.typeLine(eanS2) // the same item again: one more unit
	p.expect(
		[2]string{"*5", "  next: scan the bin label to put " + eanS2 + " × 7 in"},
		[2]string{"A-02-004-1", "\a[NOT AT THE DOCK] " + eanS2 + " × 7 into A-02-004-1: only 2 of S2 wait at the dock, not 7"},
		[2]string{eanS2, "  next: scan the bin label to put " + eanS2 + " in"},
		[2]string{"NOT-A-BIN", "\a[NOT A BIN] " + eanS2 + " into NOT-A-BIN"},
		[2]string{eanS2, "  next: scan the bin label"},
		[2]string{"!x", "  next: scan an item waiting at the dock"},
	)
	p.quit()
	if l := s.level("A-02-004-1", "S2"); l.OnHand != 3 {
		t.Errorf("S2 in A-02-004-1 after refused put-aways: %+v, want 3 still", l)
	}
}

// A stocker sees the replenishment move a pick bin needs and works it as a
// transfer: from-bin, item, quantity, to-bin.
func TestTransferThroughTheClient(t *testing.T) {
	s := loadedServer(t)
	if _, err := pb.NewInventoryServiceClient(s.admin).SetSlots(s.as(floor.RoleAdmin), &pb.SetSlotsRequest{
		Slots: []*pb.Slot{{Bin: "A-02-004-1", Sku: "S1", Min: 2, Max: 3}}}); err != nil {
		t.Fatal(err)
	}
	tr := startClient(t, clientArgs(ModeTransfer, s, floor.RoleCounter, t.TempDir())...)
	tr.line("REPLENISHMENT MOVES: 1")
	if got := tr.line("1. "); !strings.Contains(got, "1. 3 × S1 from A-01-001-1 to A-02-004-1 (") {
		t.Errorf("move task: %q", got)
	}
	tr.expect(
		[2]string{"A-01-001-1", "  next: scan the item to move from A-01-001-1"},
		[2]string{eanS1, "  next: scan the label of the bin to move " + eanS1 + " to from A-01-001-1"},
		[2]string{"*2", "  next: scan the label of the bin to move " + eanS1 + " × 3 to"},
		[2]string{"A-02-004-1", "[MOVED] " + eanS1 + " × 3 from A-01-001-1 to A-02-004-1: 3 of S1 moved from A-01-001-1 to A-02-004-1"},
		[2]string{"!l", "no replenishment moves needed now"},
	)
	tr.typeLine("A-02-004-1")
	tr.typeLine(eanS1)
	tr.expect(
		[2]string{"*4", "  next: scan the label of the bin to move " + eanS1 + " × 5 to"},
		[2]string{"A-02-006-1", "\a[NOT ENOUGH STOCK] " + eanS1 + " × 5 from A-02-004-1 to A-02-006-1: A-02-004-1 holds 3 of S1"},
	)
	tr.quit()
	if from, to := s.level("A-01-001-1", "S1"), s.level("A-02-004-1", "S1"); from.OnHand != 1 || to.OnHand != 3 {
		t.Errorf("after the transfer: from %+v, to %+v", from, to)
	}
}

// A counter counts blind: the open tasks, a bin that is no bin, a count
// that differs (count again, with the bell), the same count again
// (corrected, with the lines) and a count that matches.
func TestCountThroughTheClient(t *testing.T) {
	s := loadedServer(t)
	if _, err := pb.NewInventoryServiceClient(s.admin).CreateCountTasks(s.as(floor.RoleAdmin), &pb.CreateCountTasksRequest{
		Bins: []string{"A-03-009-1"}, Reason: "cycle count"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := startClient(t, clientArgs(ModeCount, s, floor.RoleCounter, dir)...)
	c.line("COUNT TASKS: 1 bin")
	c.line("A-03-009-1   cycle count")
	c.expect(
		[2]string{"=3", "\a[NOT SENT] scan an item in the bin first"},
		[2]string{"NOT-A-BIN", "\a[REFUSED] bin NOT-A-BIN: "},
		[2]string{"A-03-009-1", "[COUNTING] bin A-03-009-1: count every unit in it, then !c (asked: cycle count)"},
		[2]string{eanS2, "  " + eanS2 + ": 1 counted · bin A-03-009-1: 1 unit of 1 item so far"},
		[2]string{"*7", "  " + eanS2 + ": 8 counted"},
		[2]string{eanS2, "  " + eanS2 + ": 9 counted · bin A-03-009-1: 9 units of 1 item so far"},
		[2]string{"!c", "\a[COUNT AGAIN] count of bin A-03-009-1 (9 units of 1 item): bin A-03-009-1: the count differs for S2: count it again"},
	)
	c.line("  count bin A-03-009-1 again: scan its label")
	blind := c.out.String()
	c.expect(
		[2]string{"A-03-009-1", "[COUNTING] bin A-03-009-1: count every unit in it, then !c (asked: cycle count); counted 1 time before"},
		[2]string{eanS2, "  " + eanS2 + ": 1 counted"},
		[2]string{"=9", "  " + eanS2 + ": 9 counted"},
		[2]string{"!c", "[CORRECTED] count of bin A-03-009-1 (9 units of 1 item): bin A-03-009-1: confirmed by a second count, stock corrected for S2"},
	)
	c.line("  S2: counted 9, system 10 (-1)")
	c.expect(
		[2]string{"A-01-001-1", "[COUNTING] bin A-01-001-1"},
		[2]string{eanS1, "  " + eanS1 + ": 1 counted"},
		[2]string{"=4", "  " + eanS1 + ": 4 counted"},
		[2]string{"!c", "[MATCHES] count of bin A-01-001-1 (4 units of 1 item): bin A-01-001-1 counted: it agrees with the system"},
	)
	c.line("  S1: counted 4, system 4")
	c.expect([2]string{"!l", "no bins waiting for a count"})
	c.quit()
	// The refused request is kept beside the queue, as a refused scan is.
	kept, err := os.ReadFile(queuePath(dir, "hh1", ModeCount) + ".rejected")
	if got := strings.Count(string(kept), `"call":"StartCount"`); err != nil || got != 1 || !strings.Contains(string(kept), "NOT-A-BIN") {
		t.Errorf("refused requests kept: %q (%v), want the StartCount of NOT-A-BIN", kept, err)
	}
	if strings.Contains(blind, "system") || strings.Contains(blind, " 10") {
		t.Errorf("the system's stock was shown before the count was settled:\n%s", blind)
	}
	if l := s.level("A-03-009-1", "S2"); l.OnHand != 9 {
		t.Errorf("S2 after the confirmed count: %+v, want 9", l)
	}
}

// A transfer made while the server is down is kept in the queue file and
// applied once, with its scan id, when the server is back.
func TestOfflineTransferKeptAndSent(t *testing.T) {
	s := loadedServer(t)
	dir := t.TempDir()
	tr := startClient(t, clientArgs(ModeTransfer, s, floor.RoleReceiver, dir)...)
	tr.line("no replenishment moves needed now")
	addr := s.addr
	s.stop()
	tr.typeLine("A-03-009-1")
	tr.typeLine(eanS2)
	tr.typeLine("A-02-006-1")
	// Nothing noticed the server go until the request was sent.
	tr.line("\aOFFLINE: cannot reach the server")
	tr.typeLine("A-03-009-1")
	tr.typeLine(eanS2)
	tr.expect([2]string{"A-02-006-1", "… " + eanS2 + " from A-03-009-1 to A-02-006-1: PENDING, offline"})
	if got := tr.line("next: "); !strings.Contains(got, "next: scan the label of the bin to take units from") {
		t.Errorf("after a pending transfer: %q, want the first step again", got)
	}
	queued, err := os.ReadFile(queuePath(dir, "hh1", ModeTransfer))
	if err != nil || strings.Count(string(queued), `"call":"Transfer"`) != 2 {
		t.Fatalf("queue file while offline: %q, %v; want 2 transfers", queued, err)
	}

	s.start(addr)
	tr.line("ONLINE again: sending 2 pending scans")
	tr.line("[MOVED] " + eanS2 + " from A-03-009-1 to A-02-006-1")
	tr.line("[MOVED] " + eanS2 + " from A-03-009-1 to A-02-006-1")
	tr.quit()
	if from, to := s.level("A-03-009-1", "S2"), s.level("A-02-006-1", "S2"); from.OnHand != 8 || to.OnHand != 2 {
		t.Errorf("after the replay: from %+v, to %+v; want 2 moved once each", from, to)
	}
	if queued, _ := os.ReadFile(queuePath(dir, "hh1", ModeTransfer)); len(queued) != 0 {
		t.Errorf("queue after the answers: %q", queued)
	}
}

// A queued request that cannot be read back (a device bug, a hand-edited
// file) is refused, named by its call, and set aside like a refused one;
// the requests behind it still go.
func TestUnreadableQueuedRequestIsSetAside(t *testing.T) {
	s := loadedServer(t)
	dir := t.TempDir()
	q, _, err := OpenQueue(queuePath(dir, "hh1", ModeCount))
	if err != nil {
		t.Fatal(err)
	}
	good, err := inventoryEntry(&pb.StartCountRequest{Bin: "A-01-001-1"}, 2, "hh1-count-2-0", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Entry{
		{ID: "hh1-count-1-0", Seq: 1, DeviceTime: time.Now().UTC(), Call: "StartCount", Request: json.RawMessage(`{"bogus":1}`)},
		good,
	} {
		if err := q.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	c := startClient(t, clientArgs(ModeCount, s, floor.RoleCounter, dir)...)
	if got := c.line("[REFUSED] StartCount: "); !strings.Contains(got, "the queued StartCount request cannot be read") {
		t.Errorf("refusal: got %q, want it to say the request cannot be read", got)
	}
	c.line("[COUNTING] bin A-01-001-1")
	c.quit()
	kept, err := os.ReadFile(queuePath(dir, "hh1", ModeCount) + ".rejected")
	if err != nil || !strings.Contains(string(kept), `"id":"hh1-count-1-0"`) {
		t.Errorf("unreadable request kept: %q (%v), want it set aside", kept, err)
	}
}

// A token without the mode's role ends the client at once, as on the scan
// streams, instead of queueing requests the server will never take.
func TestInventoryModeNeedsItsRole(t *testing.T) {
	s := newServer(t)
	c := startClient(t, clientArgs(ModeCount, s, floor.RolePicker, t.TempDir())...)
	if err := c.end(); err == nil || !strings.Contains(err.Error(), "PermissionDenied") {
		t.Errorf("count with a picker's token: %v, want PermissionDenied", err)
	}
}
