package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pickpack/pickpack/server/floor"
)

// A large order import is staged: written in chunks of stageChunk orders,
// one short write transaction each, so that the scans of the floor wait
// for a chunk at most, never for the whole file; and shown in one last
// transaction that writes almost nothing. It stays all or nothing:
//
//   - Each chunk writes its orders under their final keys, with their
//     entries in the open-order index, the pick queue and the waybill
//     index, and lists their ids in the import's own bucket under
//     bucketImports. An id listed there is staged: every reader of orders
//     (getOrder, forEachOrder, the queue, the reports) skips it, so a
//     GetOrder of it says not found and no picker is given it.
//   - The last transaction deletes the import's list: every order it
//     staged is shown at once. It runs in milliseconds (the list's pages
//     are freed, not read record by record).
//   - An import that fails, is cancelled or finds what it was checked
//     against changed deletes what it staged, again in chunks; until its
//     list is gone its orders stay hidden. An import cut short by a crash
//     leaves its list in the file, and Open deletes what it staged before
//     the store serves anything.
//
// Another write may submit an order id that an import has staged and not
// shown. The write commits first, so it wins, as it would have if the
// import had been one transaction committed later: it takes the id from
// the import (claimStaged), and the import reports that order as known.
// An import that meets an id staged by another import leaves it to its
// last transaction, which decides by what is stored then.
//
// Tracking numbers are issued by the chunks; an import that does not
// complete leaves their serials unused (a gap in the carrier's numbers,
// never a number issued twice).

// stageChunk is how many orders one transaction of a staged import writes,
// and the size from which an import is staged at all: a chunk holds the
// writer about 6 ms (at most some 20 ms) on this project's shared 2-core
// machine (BenchmarkImportOrders150k), about what a commit full of task
// assignments takes. Under the load tool, 1,024 gave a lower scan p99
// during a 150,000-order import than 2,048 (1.49 s against 1.63 s, max
// 1.64 s against 2.26 s, on the machine at load 16).
const stageChunk = 1024

// importIDLen is the length of an import's id in bucketImports: the
// bucket's sequence, 8 bytes big-endian.
const importIDLen = 8

// stagedMark is the value of a staged id in its import's list; lostMark
// is the value of import id + order id for an order another write stored
// first.
var (
	stagedMark = []byte{'s'}
	lostMark   = []byte{'l'}
)

// errStale stops a staged import whose SKUs or shipping set-up changed
// since it was checked: its carriers may no longer hold, so it is dropped
// and checked again.
var errStale = errors.New("what the import was checked against changed")

// staleRetries bounds how often an import is checked again because what it
// was checked against kept changing while it was staged.
const staleRetries = 3

// hider is the lists of the imports staged and not shown, as a
// transaction sees them.
type hider []*bucket

// pendingImports is the lists of the imports tx sees staged; usually none,
// and then finding out costs one look at an empty bucket.
func pendingImports(tx *txn) hider {
	imps := tx.Bucket(bucketImports)
	if imps == nil { // a file being migrated, before the bucket exists
		return nil
	}
	var h hider
	c := imps.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil && len(k) == importIDLen {
			h = append(h, imps.Bucket(k))
		}
	}
	return h
}

// hides reports whether order id is staged by an import not yet shown.
func (h hider) hides(id []byte) bool {
	for _, b := range h {
		if b.Get(id) != nil {
			return true
		}
	}
	return false
}

// stagedBy is the id of the import that staged order id, or nil.
func stagedBy(tx *txn, id []byte) []byte {
	imps := tx.Bucket(bucketImports)
	if imps == nil {
		return nil
	}
	c := imps.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil && len(k) == importIDLen && imps.Bucket(k).Get(id) != nil {
			return bytes.Clone(k)
		}
	}
	return nil
}

// stagedOrders is how many orders are staged and not shown: the queue
// holds an entry for each.
func stagedOrders(tx *txn) int {
	n := 0
	for _, b := range pendingImports(tx) {
		n += b.Stats().KeyN
	}
	return n
}

// claimStaged takes order id from the import that staged it, if one did,
// for a write about to store an order of that id: the import's entries
// for it are deleted (the write puts its own) and the import is told
// (lostMark) to report the order as known.
func claimStaged(tx *txn, id []byte) error {
	if tx.Bucket(bucketOrders).Get(id) == nil {
		return nil // the usual case: no record, staged or not
	}
	imp := stagedBy(tx, id)
	if imp == nil {
		return nil
	}
	if err := unstage(tx, id); err != nil {
		return err
	}
	imps := tx.Bucket(bucketImports)
	if err := imps.Bucket(imp).Delete(id); err != nil {
		return err
	}
	return imps.Put(append(imp, id...), lostMark)
}

// unstage deletes the staged order id and its index entries (not its
// place in its import's list).
func unstage(tx *txn, id []byte) error {
	orders := tx.Bucket(bucketOrders)
	raw := orders.Get(id)
	if raw == nil {
		return nil
	}
	o, err := decodeOrder(raw)
	if err != nil {
		return fmt.Errorf("decode staged order %q: %w", id, err)
	}
	if err := tx.Bucket(bucketQueue).Delete(queueKey(o)); err != nil {
		return err
	}
	if o.Tracking != "" {
		wb := tx.Bucket(bucketWaybills)
		if bytes.Equal(wb.Get([]byte(o.Tracking)), id) {
			if err := wb.Delete([]byte(o.Tracking)); err != nil {
				return err
			}
		}
	}
	if err := tx.Bucket(bucketOpenOrders).Delete(id); err != nil {
		return err
	}
	return orders.Delete(id)
}

// dropStagedChunk deletes up to stageChunk orders staged by import imp,
// and the import itself once none is left; done reports that nothing of
// it is left.
func dropStagedChunk(tx *txn, imp []byte) (done bool, err error) {
	imps := tx.Bucket(bucketImports)
	if list := imps.Bucket(imp); list != nil {
		var ids [][]byte
		c := list.Cursor()
		for k, _ := c.First(); k != nil && len(ids) < stageChunk; k, _ = c.Next() {
			ids = append(ids, bytes.Clone(k))
		}
		for _, id := range ids {
			if err := unstage(tx, id); err != nil {
				return false, err
			}
			if err := list.Delete(id); err != nil {
				return false, err
			}
		}
		if len(ids) == stageChunk {
			return false, nil
		}
		if err := imps.DeleteBucket(imp); err != nil {
			return false, err
		}
	}
	return true, dropLost(imps, imp)
}

// dropLost deletes the lostMark entries of import imp.
func dropLost(imps *bucket, imp []byte) error {
	var keys [][]byte
	c := imps.Cursor()
	for k, v := c.Seek(imp); k != nil && bytes.HasPrefix(k, imp); k, v = c.Next() {
		if v != nil && len(k) > importIDLen {
			keys = append(keys, bytes.Clone(k))
		}
	}
	for _, k := range keys {
		if err := imps.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// dropImport deletes everything import imp staged, a chunk per write
// through the committer, so that undoing a large import stalls no scan
// either. It runs to the end whatever the caller's context: what a
// half-dropped import staged stays hidden, but takes room in the file until
// the next Open drops the rest.
func (s *Store) dropImport(op string, imp []byte) error {
	for {
		var done bool
		err := s.batchBulk(op, func(tx *txn) error {
			var err error
			done, err = dropStagedChunk(tx, imp)
			return err
		})
		if err != nil || done {
			return err
		}
	}
}

// dropLeftImports deletes what imports cut short by a crash staged: at
// Open, before anything is served, every import still listed is one.
func dropLeftImports(w *writer) error {
	for {
		left := false
		err := w.update(func(tx *txn) error {
			c := tx.Bucket(bucketImports).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				left = true
				done, err := dropStagedChunk(tx, bytes.Clone(k[:min(len(k), importIDLen)]))
				if err != nil || !done {
					return err
				}
				break // the cursor is stale after the deletes: look again
			}
			return nil
		})
		if err != nil || !left {
			return err
		}
	}
}

// stageOrders writes the new orders of imp staged and shows them at the
// end; see above. If what imp was checked against changes meanwhile, it
// drops what it staged and checks the orders again, up to staleRetries
// times: the orders as submitted, or as rebuilt from their records when
// imp let go of them (orderImport.letGo), which is what keeps a large
// import's memory down (a record is smaller than a floor.Order, and holds
// no pointer for the collector to follow).
func (s *Store) stageOrders(ctx context.Context, op string, imp *orderImport) (*orderImport, []orderOutcome, error) {
	for attempt := 1; ; attempt++ {
		out, err := s.stageOnce(ctx, op, imp)
		if !errors.Is(err, errStale) {
			return imp, out, err
		}
		if attempt == staleRetries {
			return nil, nil, &floor.Error{Op: op, Kind: floor.KindUnavailable, Err: err,
				Msg: "the SKUs or the shipping set-up kept changing during the import; nothing stored, try again"}
		}
		orders, err := imp.submittedAgain()
		if err != nil {
			return nil, nil, err
		}
		letGo := imp.orders == nil
		err = s.view(op, func(tx *txn) error {
			var err error
			imp, err = s.checkOrders(ctx, tx, op, orders, true)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		if letGo {
			imp.letGo()
		}
	}
}

// stageOnce is one attempt of stageOrders: the import gets its id, its
// chunks are written, then it is shown. Whatever stops it part-way drops
// what it staged.
func (s *Store) stageOnce(ctx context.Context, op string, imp *orderImport) ([]orderOutcome, error) {
	var id []byte
	err := s.batchBulk(op, func(tx *txn) error {
		imps := tx.Bucket(bucketImports)
		n, err := imps.NextSequence()
		if err != nil {
			return err
		}
		id = binary.BigEndian.AppendUint64(nil, n)
		_, err = imps.CreateBucket(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out, err := s.stageAndShow(ctx, op, imp, id)
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return nil, err // the file is closing: the next Open drops the rest
		}
		if derr := s.dropImport(op, id); derr != nil {
			return nil, errors.Join(err, derr)
		}
		return nil, err
	}
	return out, nil
}

// stageAndShow writes imp's new orders in chunks under import id, then
// shows them.
func (s *Store) stageAndShow(ctx context.Context, op string, imp *orderImport, id []byte) ([]orderOutcome, error) {
	out := make([]orderOutcome, len(imp.plans))
	var deferred []int // new orders another import had staged when their chunk came
	for start := 0; start < len(imp.byID); start += stageChunk {
		if err := ctxErr(ctx, op); err != nil {
			return nil, err
		}
		chunk := imp.byID[start:min(start+stageChunk, len(imp.byID))]
		var res []orderOutcome
		var later []int
		err := s.batchBulk(op, func(tx *txn) error {
			if !imp.current(tx) {
				return errStale
			}
			var err error
			res, later, err = writeChunk(tx, imp, id, chunk)
			return err
		})
		if err != nil {
			return nil, err
		}
		for j, i := range chunk {
			out[i] = res[j]
		}
		deferred = append(deferred, later...)
		if s.importStaged != nil {
			s.importStaged(ctx, start+len(chunk), len(imp.byID))
		}
	}
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	var last map[int]orderOutcome
	err := s.batchBulk(op, func(tx *txn) error {
		if !imp.current(tx) {
			return errStale
		}
		var err error
		last, err = showImport(tx, imp, id, deferred)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, r := range last {
		out[i] = r
	}
	for i, p := range imp.plans {
		switch {
		case p.sameAs >= 0:
			out[i] = orderOutcome{old: out[p.sameAs].old}
		case p.old != nil:
			out[i] = orderOutcome{old: p.old}
		}
	}
	return out, nil
}

// writeChunk stages the new orders chunk (indexes into imp.plans, in id
// order) of import id in tx and returns the outcome of each; later is the
// orders another import has staged, left to showImport.
func writeChunk(tx *txn, imp *orderImport, id []byte, chunk []int) (res []orderOutcome, later []int, err error) {
	list := tx.Bucket(bucketImports).Bucket(id)
	if list == nil {
		return nil, nil, fmt.Errorf("import %x: its staging list is gone", id)
	}
	known := orderLookup{c: tx.Bucket(bucketOrders).Cursor()}
	res = make([]orderOutcome, len(chunk))
	raws := make([][]byte, len(chunk))
	issued := map[string]bool{}
	var waybills []keyValue
	for j, i := range chunk {
		p := &imp.plans[i]
		if raw := known.raw(p.id); raw != nil {
			if stagedBy(tx, []byte(p.id)) != nil {
				later = append(later, i)
				continue
			}
			old, err := decodeOrder(raw)
			if err != nil {
				return nil, nil, fmt.Errorf("decode order %q: %w", p.id, err)
			}
			res[j] = orderOutcome{old: &old} // submitted by another call since the check
			continue
		}
		r, raw, wb, err := imp.record(tx, i, issued)
		if err != nil {
			return nil, nil, err
		}
		if wb.k != nil {
			waybills = append(waybills, wb)
		}
		res[j], raws[j] = r, raw
	}
	orders, open, queue := tx.Bucket(bucketOrders), tx.Bucket(bucketOpenOrders), tx.Bucket(bucketQueue)
	for _, b := range []*bucket{orders, open, queue, list} {
		b.SetFill(appendFill)
	}
	var queued []keyValue
	for j, i := range chunk {
		if raws[j] == nil {
			continue
		}
		k := []byte(imp.plans[i].id)
		for _, kv := range []struct {
			b *bucket
			v []byte
		}{{orders, raws[j]}, {open, nil}, {list, stagedMark}} {
			if err := kv.b.Put(k, kv.v); err != nil {
				return nil, nil, err
			}
		}
		queued = append(queued, keyValue{imp.plans[i].queueAt, nil})
	}
	if err := putSorted(queue, queued); err != nil {
		return nil, nil, err
	}
	return res, later, putSorted(tx.Bucket(bucketWaybills), waybills)
}

// record is the record of the new order i of imp from its head, with the
// tracking number its carrier issues in tx (wb, the waybill index entry,
// if one is issued).
func (imp *orderImport) record(tx *txn, i int, issued map[string]bool) (r orderOutcome, raw []byte, wb keyValue, err error) {
	p := &imp.plans[i]
	head := p.head
	r = orderOutcome{created: true}
	if p.carrier != "" {
		if r.tracking, r.problem, err = issueTracking(tx, imp.sh, p.carrier, p.domestic, issued); err != nil {
			return r, nil, wb, err
		}
		if r.problem != "" {
			raw, err = withProblem(head, r.problem)
			return r, raw, wb, err
		}
		wb = keyValue{[]byte(r.tracking), []byte(p.id)}
	}
	return r, closeRecord(head, r.tracking), wb, nil
}

// showImport is the last transaction of import id: the orders another
// write stored first are reported as known, the orders left for now are
// decided by what is stored now, and the import's list is deleted, which
// shows every order it staged. It returns the outcomes it decided.
func showImport(tx *txn, imp *orderImport, id []byte, deferred []int) (map[int]orderOutcome, error) {
	imps := tx.Bucket(bucketImports)
	if imps.Bucket(id) == nil {
		return nil, fmt.Errorf("import %x: its staging list is gone", id)
	}
	out := map[int]orderOutcome{}
	ob := tx.Bucket(bucketOrders)
	c := imps.Cursor()
	for k, v := c.Seek(id); k != nil && bytes.HasPrefix(k, id); k, v = c.Next() {
		if v == nil || len(k) == importIDLen {
			continue
		}
		orderID := string(k[importIDLen:])
		i, ok := slices.BinarySearchFunc(imp.byID, orderID, func(i int, id string) int { return strings.Compare(imp.plans[i].id, id) })
		if !ok {
			return nil, fmt.Errorf("import %x: lost order %q is not one of its own", id, orderID)
		}
		old, found, err := getOrder(ob, orderID)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("import %x: order %q, stored first by another write, is gone", id, orderID)
		}
		out[imp.byID[i]] = orderOutcome{old: &old}
	}
	if err := dropLost(imps, id); err != nil {
		return nil, err
	}
	if err := imps.DeleteBucket(id); err != nil { // every order staged is shown
		return nil, err
	}
	if len(deferred) > 0 {
		issued := map[string]bool{}
		for _, i := range deferred {
			p := &imp.plans[i]
			old, found, err := getOrder(ob, p.id)
			if err != nil {
				return nil, err
			}
			if found {
				out[i] = orderOutcome{old: &old}
				continue
			}
			if err := claimStaged(tx, []byte(p.id)); err != nil { // still staged by the other import: this one commits first
				return nil, err
			}
			r, raw, wb, err := imp.record(tx, i, issued)
			if err != nil {
				return nil, err
			}
			if err := putNewOrder(tx, []byte(p.id), raw, p.queueAt, wb); err != nil {
				return nil, err
			}
			out[i] = r
		}
	}
	noteEverything(tx) // rather than hold a copy of every order until the commit
	return out, nil
}

// putNewOrder writes a new order's record and its index entries.
func putNewOrder(tx *txn, id, raw, queueAt []byte, wb keyValue) error {
	if err := tx.Bucket(bucketOrders).Put(id, raw); err != nil {
		return err
	}
	if err := tx.Bucket(bucketOpenOrders).Put(id, nil); err != nil {
		return err
	}
	if err := tx.Bucket(bucketQueue).Put(queueAt, nil); err != nil {
		return err
	}
	if wb.k != nil {
		return tx.Bucket(bucketWaybills).Put(wb.k, wb.v)
	}
	return nil
}
