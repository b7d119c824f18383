package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Movements are appended under a sequence number in commit order, in a
// compact binary form because every pick writes one: at (unix ns), units,
// kind, then user, bin, SKU, ref and note, each prefixed by its length.
// Times never go backwards along the sequence (a movement is stamped no
// earlier than the one before it), so a time range is found by binary
// search over the sequence.

func encodeMovement(m floor.Movement) []byte {
	b := make([]byte, 0, 17+len(m.User)+len(m.Bin)+len(m.SKU)+len(m.Ref)+len(m.Note)+5)
	b = binary.BigEndian.AppendUint64(b, uint64(m.At.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(m.Units))
	b = append(b, byte(m.Kind))
	for _, s := range []string{m.User, m.Bin, m.SKU, m.Ref, m.Note} {
		b = appendString(b, s)
	}
	return b
}

// errCorruptMovement is returned for a movement record that does not
// decode.
var errCorruptMovement = errors.New("corrupt movement record")

func decodeMovement(seq uint64, b []byte) (floor.Movement, error) {
	r := binReader{b: b, bad: errCorruptMovement}
	m := floor.Movement{Seq: seq, At: time.Unix(0, int64(r.u64())).UTC(), Units: int64(r.u64()), Kind: floor.MovementKind(r.byte())}
	m.User, m.Bin, m.SKU, m.Ref, m.Note = r.str(), r.str(), r.str(), r.str(), r.str()
	if err := r.end(); err != nil {
		return m, fmt.Errorf("movement %d: %w", seq, err)
	}
	return m, nil
}

// movementTime reads only the time of a stored movement.
func movementTime(b []byte) time.Time {
	if len(b) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
}

// recordMovement appends m to the history in tx.
func recordMovement(tx *txn, m floor.Movement) error {
	b := tx.Bucket(bucketMovements)
	b.SetFill(1) // appended in order: full pages, no splits
	if last := b.Get(u64(b.Sequence())); last != nil {
		if prev := movementTime(last); m.At.Before(prev) {
			m.At = prev
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return b.Put(u64(seq), encodeMovement(m))
}

// applyMoves changes stock by moves and records those that change on-hand
// units as movements like base (time, user, reference).
func applyMoves(tx *txn, moves []floor.StockMove, base floor.Movement) error {
	for _, m := range moves {
		l, err := level(tx, m.Bin, m.SKU)
		if err != nil {
			return err
		}
		indexed := l.OnHand != 0 || l.Reserved != 0
		l.OnHand += m.OnHand
		l.Reserved += m.Reserved
		if err := putLevel(tx, l, indexed); err != nil {
			return err
		}
		if m.OnHand == 0 {
			continue
		}
		mv := base
		mv.Kind, mv.Bin, mv.SKU, mv.Units = m.Kind, m.Bin, m.SKU, m.OnHand
		if err := recordMovement(tx, mv); err != nil {
			return err
		}
	}
	return nil
}

// recordOrderMovements records the units of an order packed or shipped,
// one movement per SKU.
func recordOrderMovements(tx *txn, kind floor.MovementKind, units map[string]int64, base floor.Movement) error {
	for _, sku := range slices.Sorted(maps.Keys(units)) {
		mv := base
		mv.Kind, mv.SKU, mv.Units = kind, sku, units[sku]
		if err := recordMovement(tx, mv); err != nil {
			return err
		}
	}
	return nil
}

// firstMovementAt returns the sequence of the first movement at or after t
// (one past the last if none).
func firstMovementAt(b *bucket, t time.Time) uint64 {
	lo, hi := uint64(1), b.Sequence()+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if movementTime(b.Get(u64(mid))).Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// forEachMovement calls fn for the movements with from <= At < to, in
// order, starting at sequence after+1 if that is later; zero times are
// open ends. fn returns false to stop.
func forEachMovement(tx *txn, from, to time.Time, after uint64, fn func(floor.Movement) (bool, error)) error {
	b := tx.Bucket(bucketMovements)
	start := max(after+1, 1)
	if !from.IsZero() {
		start = max(start, firstMovementAt(b, from))
	}
	c := b.Cursor()
	for k, v := c.Seek(u64(start)); k != nil; k, v = c.Next() {
		m, err := decodeMovement(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return err
		}
		if !to.IsZero() && !m.At.Before(to) {
			return nil
		}
		if more, err := fn(m); err != nil || !more {
			return err
		}
	}
	return nil
}

// History returns up to limit movements with from <= At < to after the
// sequence after (0 from the start), and the sequence to continue from (0
// at the end). Movements moved to the archive files are read from there
// first: sequences grow across the files and the live file, so one
// sequence to go on from serves them all, and a movement found twice (a
// run interrupted between its archive write and its delete) is read once.
func (s *Store) History(from, to time.Time, after uint64, limit int) ([]floor.Movement, uint64, error) {
	limit = max(limit, 1)
	var out []floor.Movement
	var next uint64
	last := after
	take := func(m floor.Movement) (bool, error) {
		if len(out) == limit {
			next = out[len(out)-1].Seq
			return false, nil
		}
		out = append(out, m)
		last = m.Seq
		return true, nil
	}
	err := s.view("history", func(tx *txn) error {
		err := s.viewArchives(tx, from, to, func(atx *txn) (bool, error) {
			err := forEachMovement(atx, from, to, last, take)
			return next == 0, err
		})
		if err != nil || next != 0 {
			return err
		}
		return forEachMovement(tx, from, to, last, take)
	})
	return out, next, err
}

// openingBalances records every level of an older file as an opening
// movement, so that the history of each bin adds up to its stock.
func openingBalances(tx *txn, at time.Time) error {
	var levels []floor.StockLevel // read first: writing while iterating may move the cursor
	err := tx.Bucket(bucketStock).ForEach(func(k, v []byte) error {
		bin, sku := splitStockKey(k)
		l, err := decodeLevel(bin, sku, v)
		levels = append(levels, l)
		return err
	})
	if err != nil {
		return err
	}
	for _, l := range levels {
		if err := recordMovement(tx, floor.Movement{At: at, User: "migration", Kind: floor.MoveOpening,
			Bin: l.Bin, SKU: l.SKU, Units: l.OnHand}); err != nil {
			return err
		}
	}
	return nil
}
