package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// queueKey sorts queued orders by due time, then id: the pick queue is read
// earliest due first without sorting.
func queueKey(o floor.Order) []byte {
	k := make([]byte, 8, 8+len(o.ID))
	binary.BigEndian.PutUint64(k, uint64(o.DueAt.UnixNano()))
	return append(k, o.ID...)
}

// Submitted is the outcome of submitting one order.
type Submitted struct {
	Order   floor.Order
	Created bool // false: the id was known, and the stored order is returned unchanged
}

// SubmitOrders is SubmitOrdersContext with a context that never ends.
func (s *Store) SubmitOrders(orders []floor.Order, dry bool) ([]Submitted, error) {
	return s.SubmitOrdersContext(context.Background(), orders, dry)
}

// SubmitOrdersContext queues orders (valid, as from floor.ParseOrders), all
// or none, and returns each as stored. Each gets its release time now and
// its due time from the channel's SLA. An id already known is not stored
// again: the stored order is returned with Created false, so a platform
// re-sending its export never duplicates an order. An order naming an
// unknown SKU rejects the batch.
//
// The checks (known SKUs, known ids, the carrier of each parcel) run in a
// read transaction, which holds up no scan; only the writes, in key order,
// take the writer (see orderImport): in one transaction for up to
// stageChunk orders, staged in chunks and shown at once for more (see
// staged.go). With dry set nothing is written and no tracking number is
// issued. A ctx that ends before the import is shown stores nothing and
// returns ctx's error.
func (s *Store) SubmitOrdersContext(ctx context.Context, orders []floor.Order, dry bool) ([]Submitted, error) {
	imp, outcomes, err := s.submitOrders(ctx, orders, dry, true)
	if err != nil {
		return nil, err
	}
	return imp.submitted(outcomes), nil
}

// ImportOrdersContext is SubmitOrdersContext for a whole file: it returns
// only how many orders were created and how many were known already,
// without a copy of every order.
func (s *Store) ImportOrdersContext(ctx context.Context, orders []floor.Order, dry bool) (created, known int, err error) {
	_, outcomes, err := s.submitOrders(ctx, orders, dry, false)
	for _, r := range outcomes {
		if r.created {
			created++
		} else {
			known++
		}
	}
	return created, known, err
}

// submitOrders checks and stores orders; keep says the caller wants every
// order back, so the import must keep them.
func (s *Store) submitOrders(ctx context.Context, orders []floor.Order, dry, keep bool) (*orderImport, []orderOutcome, error) {
	const op = "submit orders"
	var imp *orderImport
	staged := !dry && len(orders) > stageChunk
	err := s.view(op, func(tx *txn) error {
		var err error
		imp, err = s.checkOrders(ctx, tx, op, orders, !dry)
		if err == nil && s.importChecked != nil {
			s.importChecked(ctx)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if dry {
		return imp, imp.dryRun(), nil
	}
	if err := ctxErr(ctx, op); err != nil {
		return nil, nil, err
	}
	if !keep {
		imp.letGo()
	}
	if staged {
		return s.stageOrders(ctx, op, imp)
	}
	var written *orderImport
	var outcomes []orderOutcome
	err = s.batchBulk(op, func(tx *txn) error {
		var err error
		written, outcomes, err = s.writeOrders(ctx, tx, op, imp)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return written, outcomes, nil
}

// Order returns the order with the given id: from the live file, or, once
// closed and archived, from the archive files (to be read only: the
// writers see the live file alone).
func (s *Store) Order(id string) (floor.Order, error) {
	const op = "get order"
	var o floor.Order
	err := s.view(op, func(tx *txn) error {
		var err error
		if o, err = orderByID(tx, op, id); floor.KindOf(err) != floor.KindNotFound {
			return err
		}
		found := false
		aerr := s.viewArchives(tx, time.Time{}, time.Time{}, func(atx *txn) (bool, error) {
			a, ok, err := getOrder(atx.Bucket(bucketOrders), id)
			if ok {
				o, found = a, true
			}
			return !found, err
		})
		if found || aerr != nil {
			return aerr
		}
		return err
	})
	return o, err
}

func orderByID(tx *txn, op, id string) (floor.Order, error) {
	o, ok, err := getOrder(tx.Bucket(bucketOrders), id)
	if err == nil && !ok {
		err = &floor.Error{Op: op, Kind: floor.KindNotFound, Reason: "UNKNOWN_ORDER", Msg: fmt.Sprintf("no order %q", id)}
	}
	return o, err
}

// ListOrders returns up to limit orders in the given states (all open
// states if none), earliest due first, after the page token after, and the
// token of the next page ("" at the end).
func (s *Store) ListOrders(states []floor.OrderState, after string, limit int) ([]floor.Order, string, error) {
	const op = "list orders"
	var all []floor.Order
	onlyOpen := !slices.ContainsFunc(states, func(s floor.OrderState) bool { return !s.Open() })
	err := s.view(op, func(tx *txn) error {
		return forEachOrder(tx, onlyOpen, func(o floor.Order) error {
			if (len(states) == 0 && o.State.Open()) || slices.Contains(states, o.State) {
				all = append(all, o)
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	slices.SortFunc(all, func(a, b floor.Order) int { return strings.Compare(string(queueKey(a)), string(queueKey(b))) })
	start := 0
	if after != "" {
		start, _ = slices.BinarySearchFunc(all, after, func(o floor.Order, t string) int {
			return strings.Compare(string(queueKey(o)), t)
		})
		if start < len(all) && string(queueKey(all[start])) == after {
			start++
		}
	}
	all = all[start:]
	if len(all) > limit {
		return all[:limit], string(queueKey(all[limit-1])), nil
	}
	return all, "", nil
}

// CancelOrder cancels an order in any state before handoff (of its first
// box, for an order packed in several). A queued order
// leaves the queue; an assigned one leaves its task and its reserved stock
// is released, in the same transaction.
func (s *Store) CancelOrder(user, id, reason string) (floor.Order, error) {
	const op = "cancel order"
	var o floor.Order
	err := s.update(op, func(tx *txn) error {
		var err error
		if o, err = orderByID(tx, op, id); err != nil {
			return err
		}
		if !o.State.Open() {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "ORDER_CLOSED",
				Msg: fmt.Sprintf("order %s is %s and can no longer be cancelled", id, o.State)}
		}
		for i, b := range o.Boxes {
			if !b.HandedOffAt.IsZero() { // some of it is on its way: the stock cannot come back
				return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "ORDER_CLOSED",
					Msg: fmt.Sprintf("order %s can no longer be cancelled: the courier took its box %d/%d", id, i+1, len(o.Boxes))}
			}
		}
		if err := dequeue(tx, o); err != nil {
			return err
		}
		note := "order " + o.ID + " cancelled: " + reason
		if o.TaskID != "" {
			back := floor.Movement{At: s.now(), User: user, Note: note}
			if err := dropFromTask(tx, o.TaskID, o.ID, back); err != nil {
				return err
			}
		}
		o.State, o.UpdatedAt = floor.StateCancelled, s.clock.Now().UTC()
		if err := putOrder(tx, o); err != nil {
			return err
		}
		// The cancellation itself, with who and why, whether or not stock
		// went back to the bins.
		return recordMovement(tx, floor.Movement{At: o.UpdatedAt, User: user, Kind: floor.MoveCancel, Ref: o.ID, Note: note})
	})
	return o, err
}

// now is the store's clock in UTC, the zone every stored time uses.
func (s *Store) now() time.Time { return s.clock.Now().UTC() }

// putOrder writes an order and keeps the index of open orders, which the
// supervisors' view and the default order list read instead of every
// order ever taken, and the index of closed orders by time, which
// retention reads (archive.go).
func putOrder(tx *txn, o floor.Order) error {
	raw, err := encodeOrder(o)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketOrders).Put([]byte(o.ID), raw); err != nil {
		return err
	}
	noteOrder(tx, o)
	if o.State.Open() {
		return tx.Bucket(bucketOpenOrders).Put([]byte(o.ID), nil)
	}
	if err := indexClosed(tx, o); err != nil {
		return err
	}
	return tx.Bucket(bucketOpenOrders).Delete([]byte(o.ID))
}

// forEachOrder calls fn with every order, or only the open ones; the
// orders of an import staged and not shown are not there yet.
func forEachOrder(tx *txn, open bool, fn func(o floor.Order) error) error {
	orders, hidden := tx.Bucket(bucketOrders), pendingImports(tx)
	if open {
		return tx.Bucket(bucketOpenOrders).ForEach(func(k, _ []byte) error {
			if hidden.hides(k) {
				return nil
			}
			o, err := orderByID(tx, "read orders", string(k))
			if err != nil {
				return err
			}
			return fn(o)
		})
	}
	return orders.ForEach(func(k, v []byte) error {
		if hidden.hides(k) {
			return nil
		}
		o, err := decodeOrder(v)
		if err != nil {
			return err
		}
		return fn(o)
	})
}
