package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Imports share the one bbolt writer with the scans of the whole floor, so
// they keep it for as little as possible: parsing and validation run before
// any transaction, the checks against stored state in a read transaction
// where they can (a read transaction holds up no writer), and the writes,
// sorted by key, in one write transaction, so that an import stays all or
// nothing.
//
// Key order matters: within one transaction bbolt keeps every key it was
// given in memory, in one sorted slice per page touched, and splits the
// pages only at the commit. Keys that arrive out of order are each inserted
// into the middle of a slice that grows with the import, which made an
// import of 150,000 orders quadratic (minutes); in order, each lands at the
// end.

// checkEvery is how many records an import handles between two looks at
// its context: often enough that a cancelled call stops within
// milliseconds, rarely enough to cost nothing.
const checkEvery = 1024

// ctxErr is ctx's error, if it ended, as the error of op: the transports
// tell Canceled and DeadlineExceeded apart through Err.
func ctxErr(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &floor.Error{Op: op, Kind: floor.KindUnavailable, Err: err, Msg: "stopped, nothing stored: " + err.Error()}
	}
	return nil
}

// checkpoint is ctxErr every checkEvery records of a loop (i counts them).
func checkpoint(ctx context.Context, op string, i int) error {
	if i%checkEvery != 0 {
		return nil
	}
	return ctxErr(ctx, op)
}

// keyValue is one write of an import, held until the import writes its
// bucket in key order.
type keyValue struct{ k, v []byte }

// appendFill is how full an import leaves the pages it writes in key
// order (bbolt's default, 0.5, suits keys that arrive anywhere): a run of
// new keys then fills pages instead of splitting them in halves, which
// halves the pages the commit writes and holds in memory meanwhile.
const appendFill = 0.9

// putSorted writes kvs into b in key order (the order given among equal
// keys, so the last one wins as it would have written one by one).
func putSorted(b *bucket, kvs []keyValue) error {
	slices.SortStableFunc(kvs, func(a, b keyValue) int { return bytes.Compare(a.k, b.k) })
	b.SetFill(appendFill)
	for _, kv := range kvs {
		if err := b.Put(kv.k, kv.v); err != nil {
			return err
		}
	}
	return nil
}

// importWith runs a small import (bin map, SKUs, slots, supply): check
// against the stored state, then write. A dry run only checks, in a read
// transaction: it takes no write lock. A real one checks and writes in one
// write transaction, so that nothing changes between the two; its checks
// are lookups linear in the import. ctx is looked at before the write
// transaction and before its writes; check looks at it in its loops.
func (s *Store) importWith(ctx context.Context, op string, dry bool, check, write func(tx *txn) error) error {
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	if dry {
		return s.view(op, check)
	}
	return s.update(op, func(tx *txn) error {
		if err := check(tx); err != nil {
			return err
		}
		if err := ctxErr(ctx, op); err != nil {
			return err
		}
		return write(tx)
	})
}

// orderImport is an order import checked against the stored state: which
// orders are new, each new one encoded as it will be stored (released,
// with its carrier), and the new orders in key order. The write only reads
// it, so the commit may run the write more than once; the write is left
// with the lookups that must see the latest state, the tracking numbers,
// and the puts. It holds no copy of the orders, and lets go of them for
// the write when there are more than the feed tracks one by one: an
// import of 150,000 orders is some 60 MB of them, and the server's heap has
// a soft limit, beyond which the collector would slow the write that every
// scan is waiting for.
type orderImport struct {
	orders   []floor.Order // as submitted; nil once let go of (see letGo)
	plans    []orderPlan   // one per order
	byID     []int         // the new orders, by id
	byQueue  []int         // the new orders, by queue key
	now      time.Time     // the release time of the new orders
	slas     floor.SLAs
	skus     map[string][]byte // the stored record of every SKU named, as checked
	shipping []byte            // the stored shipping set-up, as checked (nil: none)
	sh       *floor.Shipping
}

type orderPlan struct {
	id      string
	old     *floor.Order // the stored order of this id, if it was known
	sameAs  int          // the earlier order of this import with the same id, or -1
	carrier string       // the carrier chosen, "" when problem says why there is none
	service string
	problem string
	// domestic: the parcel stays in the sender's country, numbered by the
	// carrier's domestic scheme if it has one.
	domestic bool
	head     []byte // the order encoded without a tracking number, less its closing brace (see closeRecord)
	queueAt  []byte
}

// orderOutcome is what became of one order of an import.
type orderOutcome struct {
	created  bool
	old      *floor.Order // the order stored before, when not created
	tracking string       // the number issued
	problem  string       // why none could be issued, if the carrier refused
}

// checkOrders checks an order import in tx: every SKU named must be known.
// It finds the ids already stored and chooses each new order's carrier.
// With encode set it also encodes each new order for writeOrders; a staged
// import encodes them a chunk at a time instead (orderImport.encode).
func (s *Store) checkOrders(ctx context.Context, tx *txn, op string, orders []floor.Order, encode bool) (*orderImport, error) {
	imp := &orderImport{orders: orders, plans: make([]orderPlan, len(orders)), skus: map[string][]byte{}, now: s.now(), slas: s.slas}
	skuBucket := tx.Bucket(bucketSKUs)
	unknown := map[string]bool{}
	var vs floor.Violations
	for i, o := range orders {
		if err := checkpoint(ctx, op, i); err != nil {
			return nil, err
		}
		for j, l := range o.Lines {
			if _, ok := imp.skus[l.SKU]; !ok && !unknown[l.SKU] {
				if raw := skuBucket.Get([]byte(l.SKU)); raw != nil {
					imp.skus[l.SKU] = bytes.Clone(raw) // raw is valid only while tx is open
				} else {
					unknown[l.SKU] = true
				}
			}
			if unknown[l.SKU] { // the field's name is made only then: most imports have no violation
				prefix := "order"
				if len(orders) > 1 {
					prefix = fmt.Sprintf("orders[%d] (%s)", i, o.ID)
				}
				vs.Add(fmt.Sprintf("%s.lines[%d].sku", prefix, j), "unknown SKU %q", l.SKU)
			}
		}
	}
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	if raw := tx.Bucket(bucketConfig).Get([]byte(keyShipping)); raw != nil {
		imp.shipping = bytes.Clone(raw)
		sh, err := decodeShipping(raw)
		if err != nil {
			return nil, err
		}
		imp.sh = sh
	}
	decoded := map[string]floor.SKU{}
	if imp.sh != nil { // the carrier is chosen from the SKUs' weights, values and goods
		for id, raw := range imp.skus {
			sku, err := decodeJSON[floor.SKU](raw)
			if err != nil {
				return nil, fmt.Errorf("decode SKU %q: %w", id, err)
			}
			decoded[id] = sku
		}
	}
	var heads headEncoder
	// One cursor for every lookup of a known id: bbolt's Get makes a
	// cursor each time, some 400 bytes of garbage per order of a large
	// import, which the collector pays for while scans wait.
	known := orderLookup{c: tx.Bucket(bucketOrders).Cursor(), hidden: pendingImports(tx)}
	first := make(map[string]int, len(orders))
	for i, o := range orders {
		if err := checkpoint(ctx, op, i); err != nil {
			return nil, err
		}
		p := &imp.plans[i]
		p.id, p.sameAs = o.ID, -1
		if k, dup := first[o.ID]; dup {
			p.sameAs = k
			continue
		}
		first[o.ID] = i
		old, ok, err := known.get(o.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			p.old = &old
			continue
		}
		choice, problem := carrierFor(imp.sh, s.parcelOf(o, decoded))
		if ap := floor.AddressProblem(o.Recipient); problem == "" && ap != "" {
			choice, problem = floor.Choice{}, ap // no label can be addressed: say why now
		}
		if problem == "" && !imp.sh.Domestic(o.Recipient.Country) {
			if cp := floor.CustomsProblem(o, decoded); cp != "" {
				choice, problem = floor.Choice{}, cp // no waybill can be made: say why now
			}
		}
		p.carrier, p.service, p.problem = choice.Carrier, choice.Service, problem
		p.domestic = imp.sh != nil && imp.sh.Domestic(o.Recipient.Country)
		released := imp.release(i, orderOutcome{created: true})
		if encode {
			if p.head, err = heads.head(released); err != nil {
				return nil, err
			}
		}
		p.queueAt = queueKey(released)
		imp.byID = append(imp.byID, i)
	}
	imp.byQueue = slices.Clone(imp.byID)
	slices.SortFunc(imp.byID, func(a, b int) int { return strings.Compare(orders[a].ID, orders[b].ID) })
	slices.SortFunc(imp.byQueue, func(a, b int) int { return bytes.Compare(imp.plans[a].queueAt, imp.plans[b].queueAt) })
	return imp, nil
}

// orderLookup reads orders by id through one cursor.
type orderLookup struct {
	c      *cursor
	hidden hider
}

// get is getOrder through l's cursor.
func (l orderLookup) get(id string) (floor.Order, bool, error) {
	raw := l.raw(id)
	if raw == nil || l.hidden.hides([]byte(id)) {
		return floor.Order{}, false, nil
	}
	o, err := decodeOrder(raw)
	if err != nil {
		return o, false, fmt.Errorf("decode order %q: %w", id, err)
	}
	return o, true, nil
}

// raw is the record stored under id, staged or not, or nil.
func (l orderLookup) raw(id string) []byte {
	k, v := l.c.Seek([]byte(id))
	if k == nil || string(k) != id || v == nil {
		return nil
	}
	return v
}

// letGo drops the orders as submitted when there are too many for the
// feed to be told of one by one: the write then needs only the plans.
func (imp *orderImport) letGo() {
	if len(imp.byID) >= trackLimit {
		imp.orders = nil
	}
}

// submittedAgain is the orders as submitted, or as good as them for a
// second check: the new ones decoded from their records (the check
// releases them afresh), the known ones as stored.
func (imp *orderImport) submittedAgain() ([]floor.Order, error) {
	if imp.orders != nil {
		return imp.orders, nil
	}
	orders := make([]floor.Order, len(imp.plans))
	for i, p := range imp.plans {
		switch {
		case p.sameAs >= 0:
			orders[i] = orders[p.sameAs]
		case p.old != nil:
			orders[i] = *p.old
		default:
			o, err := decodeOrder(closeRecord(slices.Clip(p.head), ""))
			if err != nil {
				return nil, err
			}
			orders[i] = o
		}
	}
	return orders, nil
}

// release is the new order i as stored with outcome r: queued at the
// import's time, with its carrier and tracking number.
func (imp *orderImport) release(i int, r orderOutcome) floor.Order {
	o, p := imp.orders[i], imp.plans[i]
	o.State = floor.StateQueued
	o.ReleasedAt, o.UpdatedAt = imp.now, imp.now
	o.DueAt = imp.now.Add(imp.slas.For(o.Channel))
	o.TaskID, o.Picker = "", ""
	o.Carrier, o.Service, o.Tracking, o.ShippingProblem = p.carrier, p.service, r.tracking, p.problem
	if r.problem != "" {
		o.Carrier, o.Service, o.ShippingProblem = "", "", r.problem
	}
	return o
}

// current reports whether tx still holds the SKUs and the shipping set-up
// imp was checked against, so that its carriers still hold.
func (imp *orderImport) current(tx *txn) bool {
	if !bytes.Equal(tx.Bucket(bucketConfig).Get([]byte(keyShipping)), imp.shipping) {
		return false
	}
	skus := tx.Bucket(bucketSKUs)
	for id, raw := range imp.skus {
		if !bytes.Equal(skus.Get([]byte(id)), raw) {
			return false
		}
	}
	return true
}

// dryRun is the outcome the import would have: the new orders created,
// but no tracking number issued.
func (imp *orderImport) dryRun() []orderOutcome {
	out := make([]orderOutcome, len(imp.plans))
	for i, p := range imp.plans {
		switch {
		case p.sameAs >= 0:
			out[i] = orderOutcome{old: p.old}
		case p.old != nil:
			out[i] = orderOutcome{old: p.old}
		default:
			out[i] = orderOutcome{created: true}
		}
	}
	return out
}

// submitted is what SubmitOrders returns for outcomes: each order as
// stored.
func (imp *orderImport) submitted(outcomes []orderOutcome) []Submitted {
	out := make([]Submitted, len(outcomes))
	for i, r := range outcomes {
		switch {
		case imp.plans[i].sameAs >= 0:
			out[i] = Submitted{Order: out[imp.plans[i].sameAs].Order}
		case r.created:
			out[i] = Submitted{Order: imp.release(i, r), Created: true}
		default:
			out[i] = Submitted{Order: *r.old}
		}
	}
	return out
}

// writeOrders stores the new orders of imp in tx and returns what became
// of each. What changed since the check is honoured: an id stored
// meanwhile is a duplicate, and if a SKU or the shipping set-up changed,
// the import is checked again here.
func (s *Store) writeOrders(ctx context.Context, tx *txn, op string, imp *orderImport) (*orderImport, []orderOutcome, error) {
	if err := ctxErr(ctx, op); err != nil {
		return nil, nil, err
	}
	if !imp.current(tx) {
		orders, err := imp.submittedAgain()
		if err != nil {
			return nil, nil, err
		}
		again, err := s.checkOrders(ctx, tx, op, orders, true)
		if err != nil {
			return nil, nil, err
		}
		if imp.orders == nil {
			again.letGo()
		}
		imp = again
	}
	ob := tx.Bucket(bucketOrders)
	out := make([]orderOutcome, len(imp.plans))
	raws := make([][]byte, len(imp.plans)) // the record of each order created
	issued := map[string]bool{}
	var waybills []keyValue
	for i, p := range imp.plans {
		if err := checkpoint(ctx, op, i); err != nil {
			return nil, nil, err
		}
		switch {
		case p.sameAs >= 0:
			out[i] = orderOutcome{old: out[p.sameAs].old}
			continue
		case p.old != nil:
			out[i] = orderOutcome{old: p.old}
			continue
		}
		old, ok, err := getOrder(ob, p.id)
		if err != nil {
			return nil, nil, err
		}
		if ok { // submitted by another call since the check
			out[i] = orderOutcome{old: &old}
			continue
		}
		if err := claimStaged(tx, []byte(p.id)); err != nil { // staged by a large import not shown yet: this write commits first
			return nil, nil, err
		}
		r := orderOutcome{created: true}
		var raw []byte
		if p.carrier != "" {
			if r.tracking, r.problem, err = issueTracking(tx, imp.sh, p.carrier, p.domestic, issued); err != nil {
				return nil, nil, err
			}
			if r.problem != "" {
				if raw, err = withProblem(p.head, r.problem); err != nil {
					return nil, nil, err
				}
			} else {
				waybills = append(waybills, keyValue{[]byte(r.tracking), []byte(p.id)})
			}
		}
		if raw == nil {
			raw = closeRecord(p.head, r.tracking)
		}
		raws[i], out[i] = raw, r
		if imp.orders != nil {
			noteOrder(tx, imp.release(i, r))
		}
	}
	if imp.orders == nil {
		noteEverything(tx) // rather than hold a copy of every order until the commit
	}
	if err := ctxErr(ctx, op); err != nil {
		return nil, nil, err
	}
	orders, open, queue := tx.Bucket(bucketOrders), tx.Bucket(bucketOpenOrders), tx.Bucket(bucketQueue)
	for _, b := range []*bucket{orders, open, queue} {
		b.SetFill(appendFill)
	}
	for _, i := range imp.byID {
		if raws[i] == nil {
			continue
		}
		id := []byte(imp.plans[i].id)
		if err := orders.Put(id, raws[i]); err != nil {
			return nil, nil, err
		}
		if err := open.Put(id, nil); err != nil {
			return nil, nil, err
		}
	}
	for _, i := range imp.byQueue {
		if raws[i] == nil {
			continue
		}
		if err := queue.Put(imp.plans[i].queueAt, nil); err != nil {
			return nil, nil, err
		}
	}
	return imp, out, putSorted(tx.Bucket(bucketWaybills), waybills)
}

// headEncoder encodes the records of many orders as heads (see
// closeRecord) through one buffer: each head is one allocation of its own
// size, with trackingRoom to spare, and no other garbage is left but the
// stored form of the order.
type headEncoder struct {
	buf []byte
}

// head is o's record without a tracking number, less the number's
// length byte (the record's last: orderrecord.go), with room for the
// number.
func (h *headEncoder) head(o floor.Order) ([]byte, error) {
	o.Tracking = ""
	h.buf = appendOrder(h.buf[:0], &o)
	b := h.buf[:len(h.buf)-1]
	head := make([]byte, len(b), len(b)+trackingRoom)
	copy(head, b)
	return head, nil
}

// trackingRoom is the spare capacity an import leaves after each encoded
// order for its tracking number, so that the write adds it without a copy.
const trackingRoom = 32

// closeRecord completes head, an order record from encodeOrder without a
// tracking number, less the number's length byte: with the tracking
// number, if any, it is the record encodeOrder gives for the order with
// it, since the number is the record's last field. An import encodes its
// orders before it takes the writer; only the numbers are issued there.
// The bytes are appended in head's spare capacity (trackingRoom), past its
// length: head itself is never changed, so a write run again starts from
// the same record.
func closeRecord(head []byte, tracking string) []byte {
	return appendString(head, tracking)
}

// withProblem is the record of head (as for closeRecord) when the carrier
// cannot give the order a tracking number: without the carrier, with the
// reason.
func withProblem(head []byte, problem string) ([]byte, error) {
	o, err := decodeOrder(closeRecord(slices.Clip(head), ""))
	if err != nil {
		return nil, err
	}
	o.Carrier, o.Service, o.ShippingProblem = "", "", problem
	return encodeOrder(o)
}
