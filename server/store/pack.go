package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// PackScan applies one pack-station scan: the order barcode opens the
// order, every picked unit is scanned again, then the parcel is weighed.
// Like PickScan it answers only once everything is committed, shares
// commits, and answers a re-sent scan id with its first answer.
func (s *Store) PackScan(packer string, sc floor.Scan) (floor.Answer, error) {
	const op = "pack scan"
	if sc.At.IsZero() {
		sc.At = s.now()
	}
	var ans floor.Answer
	err := s.batch(op, func(tx *txn) error {
		key := scanKey("pack", packer, sc.ID)
		sessions := tx.Bucket(bucketPackSessions)
		var seen bool
		var err error
		next := func() floor.Instruction {
			if sess, ok, err := get[floor.PackSession](sessions, packer); err == nil && ok {
				return sess.Instruction()
			}
			return floor.Instruction{Expect: floor.ExpectOrder}
		}
		if ans, seen, err = replay(tx, key, next); seen || err != nil {
			return err
		}
		var sess *floor.PackSession
		if old, ok, err := get[floor.PackSession](sessions, packer); err != nil {
			return err
		} else if ok && !old.Packed {
			sess = &old
			o, err := orderByID(tx, op, old.OrderID)
			if err != nil {
				return err
			}
			if o.State != floor.StatePicked { // cancelled while on the bench
				ans = floor.Answer{ScanID: sc.ID, Verdict: floor.VerdictOutOfSequence, Reason: "ORDER_CANCELLED",
					Message: fmt.Sprintf("order %s is %s: put its items aside", o.ID, o.State), Next: floor.Instruction{Expect: floor.ExpectOrder}}
				if err := sessions.Delete([]byte(packer)); err != nil {
					return err
				}
				return record(tx, key, packer, sc, ans)
			}
		}
		env, err := s.pickEnv(tx)
		if err != nil {
			return err
		}
		out := floor.ApplyPackScan(sess, sc, packEnv{pickEnv: env, pack: s.pack}, s.pack)
		var boxes []floor.Box
		if out.Packed && len(out.Session.Boxes) > 1 {
			// Numbered before anything is written: an order whose boxes
			// cannot be numbered stays as it was, its last box unweighed.
			var problem string
			if boxes, problem, err = numberBoxes(tx, out.Session); err != nil {
				return err
			}
			if problem != "" {
				ans = floor.Answer{ScanID: sc.ID, Verdict: floor.VerdictOutOfSequence, Reason: "NO_BOX_NUMBERS",
					Message: problem + ": once a supervisor has it back in the set-up, weigh again", Next: next()}
				return record(tx, key, packer, sc, ans)
			}
		}
		if sess == nil && out.Session != nil {
			if err := returnPaperTask(tx, out.Session.OrderID, packer, sc.At); err != nil {
				return err
			}
			if err := confirmDropOffByPacker(tx, out.Session.OrderID, packer, sc.At); err != nil {
				return err
			}
		}
		if out.Session == nil {
			err = sessions.Delete([]byte(packer))
		} else {
			err = put(sessions, packer, out.Session)
		}
		if err != nil {
			return err
		}
		if out.Packed {
			o, err := orderByID(tx, op, out.Session.OrderID)
			if err != nil {
				return err
			}
			// The scale's weight goes on the waybill and to the API; a
			// one-item parcel, packed on its scan, is not weighed.
			// Each box of several weighs what its own weighing said, and
			// its label's code finds the order at the handoff.
			o.ParcelWeightsG, o.Boxes = nil, boxes
			switch {
			case len(boxes) > 0:
				for i, b := range boxes {
					o.ParcelWeightsG = append(o.ParcelWeightsG, out.Session.Boxes[i].WeightG)
					if b.Code == o.Tracking {
						continue // indexed at release
					}
					if err := tx.Bucket(bucketWaybills).Put([]byte(b.Code), []byte(o.ID)); err != nil {
						return err
					}
				}
			case out.Session.WeightG > 0:
				o.ParcelWeightsG = []int64{out.Session.WeightG}
			}
			if err := putOrderState(tx, o, floor.StatePacked, sc.At); err != nil {
				return err
			}
			mv := floor.Movement{At: sc.At, User: packer, Ref: out.Session.OrderID}
			if err := recordOrderMovements(tx, floor.MovePack, out.Session.Verified, mv); err != nil {
				return err
			}
			// The documents print at this station, queued in the same
			// commit as the verdict: a packed order always gets its job.
			// A waybill that came with a paper task's sheet is not printed
			// twice: two labels with one tracking number confuse couriers.
			if out.Session.PrintsAtPacking() {
				if _, err := enqueuePrint(tx, out.Session.OrderID, packer, false, sc.At); err != nil {
					return err
				}
			}
		}
		ans = out.Answer
		return record(tx, key, packer, sc, ans)
	})
	return ans, err
}

// numberBoxes gives each box of a session packed in several its label's
// code, as the order's carrier numbers pieces (floor.Carrier.Pieces): a
// tracking number of its own (box 1 keeps the one issued at release), or
// a piece number under the order's number as master. problem says why the
// boxes cannot be numbered.
func numberBoxes(tx *txn, sess *floor.PackSession) (boxes []floor.Box, problem string, err error) {
	o, err := orderByID(tx, "number boxes", sess.OrderID)
	if err != nil {
		return nil, "", err
	}
	sh, err := shipping(tx)
	if err != nil {
		return nil, "", err
	}
	var c floor.Carrier
	ok := sh != nil
	if ok {
		c, ok = sh.Carrier(o.Carrier)
	}
	if o.Tracking == "" || !ok {
		return nil, fmt.Sprintf("order %s has no carrier to number its boxes (%s)", o.ID, cmp.Or(o.ShippingProblem, "carrier "+floor.Quote(o.Carrier)+" is not in the shipping set-up")), nil
	}
	n := len(sess.Boxes)
	boxes = make([]floor.Box, n)
	issued := map[string]bool{}
	for i, packed := range sess.Boxes {
		b := &boxes[i]
		for sku, units := range packed.Units {
			b.Lines = append(b.Lines, floor.OrderLine{SKU: sku, Quantity: units})
		}
		slices.SortFunc(b.Lines, func(x, y floor.OrderLine) int { return cmp.Compare(x.SKU, y.SKU) })
		switch {
		case c.Pieces == floor.PiecesMaster:
			b.Code = floor.PieceNumber(o.Tracking, i+1, n)
		case i == 0:
			b.Code = o.Tracking
		default:
			if b.Code, problem, err = issueTracking(tx, sh, o.Carrier, sh.Domestic(o.Recipient.Country), issued); err != nil || problem != "" {
				return nil, problem, err
			}
		}
	}
	return boxes, "", nil
}

type packEnv struct {
	pickEnv
	pack floor.PackConfig
}

// StartOrder opens a pack session for a picked order, with the units its
// task's stops actually took (short lines count what was found). The code
// may name the order, the tote it was picked into, or its task (the pick
// sheet's code: startTask).
func (e packEnv) StartOrder(code string) (*floor.PackSession, bool, string) {
	if floor.IsToteCode(code) {
		id := orderOfTote(e.tx, code)
		if id == "" {
			return nil, true, fmt.Sprintf("%s holds no picked order", floor.Quote(code))
		}
		code = id
	}
	o, ok, err := getOrder(e.tx.Bucket(bucketOrders), code)
	if err != nil {
		return nil, false, ""
	}
	if !ok {
		return e.startTask(code)
	}
	var t floor.Task
	paper := false // a paper task still out: its sheet came back with the cart
	if o.State == floor.StateAssigned {
		if t, err = taskByID(e.tx, "start packing", o.TaskID); err != nil {
			return nil, true, err.Error()
		}
		paper = t.Paper && !t.Done
	}
	if o.State != floor.StatePicked && !paper {
		why := fmt.Sprintf("order %s is %s, not picked", o.ID, o.State)
		if o.State == floor.StateAssigned {
			why += fmt.Sprintf(": %s is still picking it", o.Picker)
		}
		return nil, true, why
	}
	if !paper {
		if t, err = taskByID(e.tx, "start packing", o.TaskID); err != nil {
			return nil, true, err.Error()
		}
	}
	picked, names, weights := floor.PickedUnits(t, o.ID), map[string]string{}, map[string]int64{}
	if paper {
		picked = sheetUnits(t, o.ID)
	}
	for _, st := range t.Stops {
		if st.OrderID != o.ID || picked[st.SKU] == 0 {
			continue
		}
		names[st.SKU] = st.Name
		if sku, err := skuByID(e.tx, "start packing", st.SKU); err == nil && sku.WeightG > 0 {
			weights[st.SKU] = sku.WeightG
		}
	}
	if len(picked) == 0 {
		return nil, true, fmt.Sprintf("order %s has nothing picked (every line short): cancel or re-queue it", o.ID)
	}
	sess := floor.NewPackSession(o.ID, picked, names, weights, e.pack)
	sess.DueAt, sess.Printed = o.DueAt, t.WaybillOnSheet(o.ID)
	return sess, true, ""
}

// pickedUnits is what an order's task took for it, by SKU.
func pickedUnits(tx *txn, o floor.Order) (map[string]int64, error) {
	t, err := taskByID(tx, "picked units", o.TaskID)
	return floor.PickedUnits(t, o.ID), err
}

// Handoff records the courier taking a parcel: the waybill's tracking
// number of a packed order, scanned off its label, stops its clock and
// ships its stock. An order id is refused (NOT_A_WAYBILL): typed or read
// off a pick list, it does not prove the labelled parcel left.
func (s *Store) Handoff(user string, sc floor.Scan) (floor.Answer, error) {
	const op = "handoff"
	if sc.At.IsZero() {
		sc.At = s.now()
	}
	var ans floor.Answer
	err := s.batch(op, func(tx *txn) error {
		key := scanKey("handoff", user, sc.ID)
		var seen bool
		var err error
		next := func() floor.Instruction { return floor.Instruction{Expect: floor.ExpectOrder} }
		if ans, seen, err = replay(tx, key, next); seen || err != nil {
			return err
		}
		ans = floor.Answer{ScanID: sc.ID, Next: floor.Instruction{Expect: floor.ExpectOrder}}
		var o floor.Order
		ok := false
		if byTracking := tx.Bucket(bucketWaybills).Get([]byte(sc.Code)); byTracking != nil {
			if o, ok, err = getOrder(tx.Bucket(bucketOrders), string(byTracking)); err == nil && !ok {
				return fmt.Errorf("waybill %q names order %q, which is missing", sc.Code, byTracking)
			}
		}
		typed, isOrder, oerr := getOrder(tx.Bucket(bucketOrders), sc.Code)
		switch {
		case err != nil:
			return err
		case oerr != nil:
			return oerr
		case !ok && isOrder && typed.Tracking == "":
			ans.Verdict, ans.Reason, ans.Message = floor.VerdictUnknownBarcode, "NO_WAYBILL",
				fmt.Sprintf("order %s has no waybill (%s): no courier can take it", typed.ID, typed.ShippingProblem)
		case !ok && isOrder:
			// The label must be scanned: an order id proves nothing about
			// which parcel the courier took.
			ans.Verdict, ans.Reason, ans.Message = floor.VerdictUnknownBarcode, "NOT_A_WAYBILL",
				fmt.Sprintf("%s is an order id, not a waybill: scan the barcode on the parcel's label", floor.Quote(sc.Code))
		case !ok:
			ans.Verdict, ans.Reason, ans.Message = floor.VerdictUnknownBarcode, "UNKNOWN_WAYBILL", fmt.Sprintf("%q is no waybill we know", sc.Code)
		case o.State == floor.StateHandedOff:
			ans.Verdict, ans.Reason, ans.Message = floor.VerdictNothingOpen, "ALREADY_HANDED_OFF",
				fmt.Sprintf("order %s was handed off at %s", o.ID, o.HandedOffAt.Format(time.TimeOnly))
		case o.State != floor.StatePacked:
			ans.Verdict, ans.Reason, ans.Message = floor.VerdictOutOfSequence, "NOT_PACKED",
				fmt.Sprintf("order %s is %s: only packed parcels can be handed off", o.ID, o.State)
		case len(o.Boxes) > 0:
			if err := handOffBox(tx, user, sc, o, &ans); err != nil {
				return err
			}
		default:
			if err := handOff(tx, user, sc, o, &ans); err != nil {
				return err
			}
		}
		return record(tx, key, user, sc, ans)
	})
	return ans, err
}

// handOff ships a packed order: its clock stops, its stock leaves.
func handOff(tx *txn, user string, sc floor.Scan, o floor.Order, ans *floor.Answer) error {
	if err := putOrderState(tx, o, floor.StateHandedOff, sc.At); err != nil {
		return err
	}
	picked, err := pickedUnits(tx, o)
	if err != nil {
		return err
	}
	mv := floor.Movement{At: sc.At, User: user, Ref: o.ID, Note: o.Tracking}
	if err := recordOrderMovements(tx, floor.MoveShip, picked, mv); err != nil {
		return err
	}
	for sku, n := range picked {
		if err := addSale(tx, sc.At, sku, n); err != nil {
			return err
		}
	}
	took := sc.At.Sub(o.ReleasedAt).Round(time.Second)
	verdict := "on time"
	if sc.At.After(o.DueAt) {
		verdict = fmt.Sprintf("late by %s", sc.At.Sub(o.DueAt).Round(time.Second))
	}
	ans.Verdict, ans.Reason, ans.Message = floor.VerdictTaskDone, "HANDED_OFF",
		fmt.Sprintf("order %s handed off after %s, %s", o.ID, took, verdict)
	if len(o.Boxes) > 0 {
		ans.Message = fmt.Sprintf("order %s handed off with box %d/%d, its last, after %s, %s", o.ID, o.BoxOf(sc.Code), len(o.Boxes), took, verdict)
	}
	ans.Next.OrderID, ans.Next.DueAt = o.ID, o.DueAt
	return nil
}

// handOffBox records the courier taking one box of an order packed in
// several, scanned by its label's code. The order stays packed, its clock
// running, until the last box is taken; the answer names those missing.
func handOffBox(tx *txn, user string, sc floor.Scan, o floor.Order, ans *floor.Answer) error {
	n := o.BoxOf(sc.Code)
	ans.Next.OrderID, ans.Next.DueAt = o.ID, o.DueAt
	switch {
	case n == 0: // a master number: it names no box (an order id never gets here)
		ans.Verdict, ans.Reason, ans.Message = floor.VerdictOutOfSequence, "SCAN_EACH_BOX",
			fmt.Sprintf("order %s went in %d boxes: scan the label of each, still here: %s", o.ID, len(o.Boxes), strings.Join(o.BoxesLeft(), ", "))
		return nil
	case !o.Boxes[n-1].HandedOffAt.IsZero():
		ans.Verdict, ans.Reason, ans.Message = floor.VerdictNothingOpen, "BOX_ALREADY_HANDED_OFF",
			fmt.Sprintf("box %d/%d of order %s was handed off at %s; still here: %s", n, len(o.Boxes), o.ID,
				o.Boxes[n-1].HandedOffAt.Format(time.TimeOnly), strings.Join(o.BoxesLeft(), ", "))
		return nil
	}
	o.Boxes = slices.Clone(o.Boxes)
	o.Boxes[n-1].HandedOffAt = sc.At
	left := o.BoxesLeft()
	if len(left) == 0 {
		return handOff(tx, user, sc, o, ans)
	}
	o.UpdatedAt = sc.At
	ans.Verdict, ans.Reason, ans.Message = floor.VerdictRight, "BOX_HANDED_OFF",
		fmt.Sprintf("box %d/%d of order %s handed off; the order stays open until the courier has the rest: %s", n, len(o.Boxes), o.ID, strings.Join(left, ", "))
	return putOrder(tx, o)
}
