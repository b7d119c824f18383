package rpc

import (
	"fmt"
	"testing"
	"time"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// shelves is the test's own record of what is physically in each bin,
// kept apart from the server's figures so the two can be compared.
type shelves map[string]map[string]int64 // bin -> SKU -> units

func (s shelves) move(bin, sku string, n int64) {
	if s[bin] == nil {
		s[bin] = map[string]int64{}
	}
	s[bin][sku] += n
}

var eans = map[string]string{"S1": eanS1, "S2": eanS2}

// A simulated day of receiving, put-away, replenishment, picking, packing,
// handoff, a loss found by a count, and transfers: at the end the server's
// stock is exactly what is on the shelves, and what it says was sold is
// what was handed off.
func TestSimulatedDay(t *testing.T) {
	e := newEnv(t)
	e.load(t) // S1: 4 in A-01-001-1; S2: 10 in A-03-009-1
	e.clock.t = time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	tick := func(d time.Duration) { e.clock.t = e.clock.t.Add(d) }
	real := shelves{}
	real.move("A-01-001-1", "S1", 4)
	real.move("A-03-009-1", "S2", 10)

	// 06:00 the truck: PO-D1 brings 20 S1 and 30 S2, one S2 broken.
	admin := e.clerk(t, floor.RoleAdmin, "admin")
	if _, err := admin.inv.ExpectDelivery(admin.ctx, &pb.ExpectDeliveryRequest{Delivery: &pb.Delivery{Id: "PO-D1",
		Kind: pb.DeliveryKind_DELIVERY_KIND_ADVANCE_NOTICE, Lines: []*pb.DeliveryLine{{Sku: "S1", Expected: 20}, {Sku: "S2", Expected: 30}}}}); err != nil {
		t.Fatal(err)
	}
	rita := e.clerk(t, floor.RoleReceiver, "rita")
	for range 20 { // one scan per unit, as at a real dock
		r, err := rita.receive("PO-D1", eanS1, 0, 0)
		wantInv(t, r.GetAnswer(), err, "RECEIVED")
		tick(2 * time.Second)
	}
	r, err := rita.receive("PO-D1", eanS2, 29, 1)
	wantInv(t, r.GetAnswer(), err, "DAMAGED")
	if _, err := rita.inv.CloseDelivery(rita.ctx, &pb.CloseDeliveryRequest{Id: "PO-D1"}); err != nil {
		t.Fatal(err)
	}
	// Put-away where the server suggests: S1 joins its bin; S2 too.
	for sku, n := range map[string]int64{"S1": 20, "S2": 29} {
		adv, err := rita.inv.SuggestBin(rita.ctx, &pb.SuggestBinRequest{Code: eans[sku]})
		if err != nil || adv.GetAtDock() != n {
			t.Fatalf("suggest %s: %v %v", sku, adv, err)
		}
		p, err := rita.putAway(eans[sku], adv.GetBin(), n)
		wantInv(t, p.GetAnswer(), err, "PUT_AWAY")
		real.move(adv.GetBin(), sku, n)
		tick(time.Minute)
	}
	// Most of the S1 goes to reserve; its pick bin keeps min 4, max 10.
	tr, err := rita.transfer("A-01-001-1", eanS1, "A-02-006-1", 18)
	wantInv(t, tr.GetAnswer(), err, "TRANSFERRED")
	real.move("A-01-001-1", "S1", -18)
	real.move("A-02-006-1", "S1", 18)
	if _, err := admin.inv.SetSlots(admin.ctx, &pb.SetSlotsRequest{Csv: []byte("bin,sku,min,max\nA-01-001-1,S1,4,10\n")}); err != nil {
		t.Fatal(err)
	}

	// 07:00-15:00 orders, picked, packed and handed off; replenishment
	// whenever the pick bin runs low.
	e.clock.t = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	pk := packer(t, e.as(floor.RolePacker), e.conn, "pk")
	ho := handoff(t, e.as(floor.RolePacker), e.conn, "ho")
	pick := pb.NewPickServiceClient(e.conn)
	pd := picker(t, e.as(floor.RolePicker), e.conn, "hh")
	var shipped int64
	for i := range 12 {
		id := fmt.Sprint("DAY-", i)
		lines := []*pb.OrderLine{{Sku: "S1", Quantity: int64(1 + i%2)}}
		if i%3 == 0 {
			lines = append(lines, &pb.OrderLine{Sku: "S2", Quantity: 2})
		}
		e.submit(t, id, lines...)
		task, err := pick.NextTask(e.as(floor.RolePicker), &pb.NextTaskRequest{})
		if err != nil || task.GetTask() == nil {
			t.Fatalf("next task for %s: %v %v", id, task, err)
		}
		var units, grams int64
		pd.totes(task.GetTask())
		for _, st := range task.GetTask().GetStops() {
			pd.expect(pd.code(st.GetBin()), pb.Verdict_VERDICT_RIGHT, "AT_BIN")
			pd.do(&pb.Scan{Code: eans[st.GetSku()], Quantity: st.GetQuantity()})
			real.move(st.GetBin(), st.GetSku(), -st.GetQuantity())
			units += st.GetQuantity()
			grams += st.GetQuantity() * map[string]int64{"S1": 350, "S2": 40}[st.GetSku()]
			tick(30 * time.Second)
		}
		pd.dropOff()
		pk.expect(pk.code(id), pb.Verdict_VERDICT_RIGHT, "ORDER_OPEN")
		for _, l := range lines {
			pk.do(&pb.Scan{Code: eans[l.GetSku()], Quantity: l.GetQuantity()})
		}
		if units > 1 {
			pk.expect(pk.do(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: grams + 60}), pb.Verdict_VERDICT_TASK_DONE, "PACKED")
		}
		ho.expect(ho.code(e.waybill(t, id)), pb.Verdict_VERDICT_TASK_DONE, "HANDED_OFF")
		shipped += units
		tick(20 * time.Minute)

		moves, err := rita.inv.ListMoveTasks(rita.ctx, &pb.ListMoveTasksRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range moves.GetTasks() {
			tr, err := rita.transfer(m.GetFromBin(), eans[m.GetSku()], m.GetToBin(), m.GetUnits())
			wantInv(t, tr.GetAnswer(), err, "TRANSFERRED")
			real.move(m.GetFromBin(), m.GetSku(), -m.GetUnits())
			real.move(m.GetToBin(), m.GetSku(), m.GetUnits())
		}
	}

	// 12:00 a cable is found crushed and thrown away; the evening count
	// finds the bin one short, counts again, and the stock follows.
	real.move("A-03-009-1", "S2", -1)
	carl := e.clerk(t, floor.RoleCounter, "carl")
	for _, bin := range []string{"A-03-009-1", "A-01-001-1", "A-02-006-1"} {
		if _, err := carl.inv.StartCount(carl.ctx, &pb.StartCountRequest{Bin: bin}); err != nil {
			t.Fatal(err)
		}
		for {
			c, err := carl.count(bin, real[bin])
			if err != nil {
				t.Fatal(err)
			}
			if c.GetDone() {
				break
			}
			if c.GetAnswer().GetReason() != "COUNT_DIFFERS" {
				t.Fatalf("count of %s: %v", bin, c.GetAnswer())
			}
		}
	}

	for bin, skus := range real {
		for sku, n := range skus {
			if l := e.level(t, bin, sku); l.OnHand != n || l.Reserved != 0 {
				t.Errorf("%s/%s: server %+v, shelves %d", bin, sku, l, n)
			}
		}
	}
	e.clock.t = time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC) // the next morning: yesterday's sales are in
	sugg, err := admin.inv.PurchaseSuggestions(e.as(floor.RoleSupervisor), &pb.PurchaseSuggestionsRequest{SalesDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	var sold int64
	for _, s := range sugg.GetSuggestions() {
		sold += s.GetSold()
	}
	if sold != shipped {
		t.Errorf("sold %d by the suggestions, %d handed off", sold, shipped)
	}
}
