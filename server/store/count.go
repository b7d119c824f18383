package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// flagForCount asks for a count of the bin a short pick found short,
// unless one is open already.
func flagForCount(tx *txn, sp floor.ShortPick, at time.Time) error {
	why := fmt.Sprintf("short pick of %d %s (%s) in task %s", sp.Units, sp.SKU, sp.Reason, sp.TaskID)
	_, err := openCountTask(tx, sp.Bin, why, "", at)
	return err
}

// openCountTask returns the bin's open count task, making one if none is.
func openCountTask(tx *txn, bin, reason, user string, at time.Time) (floor.CountTask, error) {
	b := tx.Bucket(bucketCountTasks)
	t, ok, err := get[floor.CountTask](b, bin)
	if err != nil || ok {
		return t, err
	}
	t = floor.CountTask{Bin: bin, Reason: reason, Created: at, CreatedBy: user}
	return t, put(b, bin, t)
}

// migrateCountFlags turns the count flags of a version 6 file into count
// tasks.
func migrateCountFlags(tx *txn) error {
	old := tx.Bucket([]byte("count_flags"))
	if old == nil {
		return nil
	}
	type countFlag struct {
		Bin    string
		Short  floor.ShortPick
		Raised time.Time
	}
	var flags []countFlag
	err := old.ForEach(func(_, v []byte) error {
		f, err := decodeJSON[countFlag](v)
		flags = append(flags, f)
		return err
	})
	if err != nil {
		return err
	}
	for _, f := range flags {
		if err := flagForCount(tx, f.Short, f.Raised); err != nil {
			return err
		}
	}
	return tx.DeleteBucket([]byte("count_flags"))
}

// CountTasks lists the open count tasks by bin code.
func (s *Store) CountTasks() ([]floor.CountTask, error) {
	var out []floor.CountTask
	err := s.view("list count tasks", func(tx *txn) error {
		return tx.Bucket(bucketCountTasks).ForEach(func(_, v []byte) error {
			t, err := decodeJSON[floor.CountTask](v)
			out = append(out, t)
			return err
		})
	})
	return out, err
}

// CreateCountTasks asks for counts of the named bins and of every bin whose
// code starts with prefix (a zone or an aisle). Unknown bins are invalid;
// bins already waiting keep their task. It returns the tasks of all the
// bins asked for.
func (s *Store) CreateCountTasks(user string, bins []string, prefix, reason string) ([]floor.CountTask, error) {
	const op = "create count tasks"
	var out []floor.CountTask
	err := s.update(op, func(tx *txn) error {
		known, err := s.binSet(tx)
		if err != nil {
			return err
		}
		var vs floor.Violations
		for i, b := range bins {
			if !known[b] {
				vs.Add(fmt.Sprintf("bins[%d]", i), "unknown bin %q (not in the bin map)", b)
			}
		}
		bins := slices.Clone(bins)
		if prefix != "" {
			named := len(bins)
			for _, b := range slices.Sorted(maps.Keys(known)) {
				if strings.HasPrefix(b, prefix) {
					bins = append(bins, b)
				}
			}
			if len(bins) == named { // not silently ignored beside named bins
				vs.Add("prefix", "no bin code starts with %q", prefix)
			}
		}
		if len(bins) == 0 && prefix == "" {
			vs.Add("bins", "name bins, or a prefix of bin codes")
		}
		if err := vs.Err(op); err != nil {
			return err
		}
		if reason == "" {
			reason = "cycle count"
		}
		seen := map[string]bool{}
		for _, b := range bins {
			if seen[b] {
				continue
			}
			seen[b] = true
			t, err := openCountTask(tx, b, reason, user, s.now())
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// binLevels lists the stock of every SKU in bin.
func binLevels(tx *txn, bin string) ([]floor.StockLevel, error) {
	var out []floor.StockLevel
	prefix := []byte(bin + "\x00")
	c := tx.Bucket(bucketStock).Cursor()
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		_, sku := splitStockKey(k)
		l, err := decodeLevel(bin, sku, v)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// StartCount begins a blind count of a bin as the counter scans it: what
// the system holds is noted, to tell later whether stock moved meanwhile.
// A bin with no open task gets one (a counter may count any bin).
func (s *Store) StartCount(user, bin string) (floor.CountTask, error) {
	const op = "start count"
	var t floor.CountTask
	err := s.update(op, func(tx *txn) error {
		if bins, err := s.binSet(tx); err != nil {
			return err
		} else if !bins[bin] {
			fe := floor.Invalid(op, []floor.Violation{{Field: "bin", Description: fmt.Sprintf("%q is not a bin of this warehouse", bin)}})
			fe.Reason = "UNKNOWN_BIN"
			return fe
		}
		var err error
		if t, err = openCountTask(tx, bin, "counted on the counter's initiative", user, s.now()); err != nil {
			return err
		}
		levels, err := binLevels(tx, bin)
		if err != nil {
			return err
		}
		t.Start(levels, s.now())
		return put(tx.Bucket(bucketCountTasks), bin, t)
	})
	return t, err
}

// CountResult is the answer to a submitted count.
type CountResult struct {
	Answer floor.Answer
	Done   bool
	Lines  []floor.CountLine // only when Done: counts are blind until then
}

// SubmitCount judges what a counter found in a bin (SKU or barcode ->
// units; codes naming no SKU make it an unknown-item answer) by the rules
// of floor.CountTask.Submit, applies the correction when it is confirmed,
// and closes the task when the count is settled.
func (s *Store) SubmitCount(user, bin string, sc floor.Scan, found map[string]int64) (CountResult, error) {
	const op = "submit count"
	var res CountResult
	ans, err := s.inventoryScan(op, "count", user, sc, func(tx *txn) (floor.Answer, error) {
		res = CountResult{}
		t, ok, err := get[floor.CountTask](tx.Bucket(bucketCountTasks), bin)
		if err != nil {
			return floor.Answer{}, err
		}
		if !ok {
			return floor.Answer{Verdict: floor.VerdictNothingOpen, Reason: "NO_COUNT",
				Message: fmt.Sprintf("no count of bin %s is open: scan the bin to start one", bin)}, nil
		}
		counted := map[string]int64{}
		for code, n := range found {
			sku, ok := skuOf(tx, code)
			if !ok {
				return unknownItem(code), nil
			}
			counted[sku] += n
		}
		levels, err := binLevels(tx, bin)
		if err != nil {
			return floor.Answer{}, err
		}
		out := t.Submit(user, counted, levels, sc.At)
		if err := applyMoves(tx, out.Moves, floor.Movement{At: sc.At, User: user, Ref: "count " + bin}); err != nil {
			return floor.Answer{}, err
		}
		res.Done = out.Done
		if out.Done {
			res.Lines = out.Lines
			err = tx.Bucket(bucketCountTasks).Delete([]byte(bin))
		} else {
			err = put(tx.Bucket(bucketCountTasks), bin, t)
		}
		return floor.Answer{Verdict: out.Verdict, Reason: out.Reason, Message: out.Message}, err
	})
	res.Answer = ans
	if ans.Replayed { // what the first answer settled, as a lost answer would have told
		res.Done = floor.CountClosed(ans.Reason)
	}
	return res, err
}
