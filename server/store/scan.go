package store

import (
	"encoding/binary"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// scanRecord is what is kept of every scan: the audit trail, and the answer
// a re-sent scan gets again. Records are appended in commit order under a
// sequence number; an index finds a scan by its id. The answer is kept
// without the stop of its next instruction: a re-sent scan gets its
// original verdict and message with what to do now, which is what a device
// that lost the link needs.
type scanRecord struct {
	Kind   string // "pick", "pack" or "handoff"
	User   string
	Scan   floor.Scan
	Answer floor.Answer
}

// storedScan is a scanRecord as written: short names, no zero values, and
// times as integers, because a busy floor writes millions of them.
type storedScan struct {
	Kind       string `json:"k"`
	User       string `json:"u"`
	ID         string `json:"i"`
	DeviceTime int64  `json:"dt,omitempty"`
	At         int64  `json:"at"`
	Code       string `json:"c,omitempty"`
	Action     int    `json:"a,omitempty"`
	Quantity   int64  `json:"q,omitempty"`
	Short      int    `json:"s,omitempty"`
	WeightG    int64  `json:"w,omitempty"`
	Verdict    int    `json:"v"`
	Reason     string `json:"r"`
	Message    string `json:"m"`
	OrderID    string `json:"o,omitempty"`
	TaskID     string `json:"t,omitempty"`
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func (r scanRecord) stored() storedScan {
	sc, a := r.Scan, r.Answer
	return storedScan{Kind: r.Kind, User: r.User, ID: sc.ID, DeviceTime: unixNano(sc.DeviceTime), At: unixNano(sc.At),
		Code: sc.Code, Action: int(sc.Action), Quantity: sc.Quantity, Short: int(sc.ShortReason), WeightG: sc.WeightG,
		Verdict: int(a.Verdict), Reason: a.Reason, Message: a.Message, OrderID: a.Next.OrderID, TaskID: a.Next.TaskID}
}

func (s storedScan) record() scanRecord {
	return scanRecord{Kind: s.Kind, User: s.User,
		Scan: floor.Scan{ID: s.ID, DeviceTime: fromUnixNano(s.DeviceTime), At: fromUnixNano(s.At), Code: s.Code,
			Action: floor.ScanAction(s.Action), Quantity: s.Quantity, ShortReason: floor.ShortReason(s.Short), WeightG: s.WeightG},
		Answer: floor.Answer{ScanID: s.ID, Verdict: floor.Verdict(s.Verdict), Reason: s.Reason, Message: s.Message,
			Next: floor.Instruction{OrderID: s.OrderID, TaskID: s.TaskID}}}
}

func decodeScan(raw []byte) (scanRecord, error) {
	s, err := decodeJSON[storedScan](raw)
	return s.record(), err
}

// scanKey scopes a device's scan id by its user: ids are made on devices
// and only need to be unique per user.
func scanKey(kind, user, id string) []byte { return []byte(kind + "\x00" + user + "\x00" + id) }

// replay returns the recorded answer to a scan id already seen, with next
// as its instruction.
func replay(tx *bolt.Tx, key []byte, next func() floor.Instruction) (floor.Answer, bool, error) {
	seq := tx.Bucket(bucketScanIndex).Get(key)
	if seq == nil {
		return floor.Answer{}, false, nil
	}
	rec, err := decodeScan(tx.Bucket(bucketScanRecords).Get(seq))
	rec.Answer.Replayed = true
	rec.Answer.Next = next()
	return rec.Answer, true, err
}

func record(tx *bolt.Tx, key []byte, user string, sc floor.Scan, a floor.Answer) error {
	kind, _, _ := strings.Cut(string(key), "\x00")
	rec := scanRecord{Kind: kind, User: user, Scan: sc, Answer: a}.stored()
	raw, err := encodeJSON(rec)
	if err != nil {
		return err
	}
	records := tx.Bucket(bucketScanRecords)
	records.FillPercent = 1 // appended in order: full pages, no splits
	seq, err := records.NextSequence()
	if err != nil {
		return err
	}
	if err := records.Put(u64(seq), raw); err != nil {
		return err
	}
	back := rec.record() // exactly what a reader of the file will get
	noteScan(tx, ScanEntry{Seq: seq, Kind: kind, User: user, Scan: back.Scan, Answer: back.Answer})
	return tx.Bucket(bucketScanIndex).Put(key, u64(seq))
}

// pickNext is what a picker does now: their open task's next step.
func pickNext(tx *bolt.Tx, picker string) func() floor.Instruction {
	return func() floor.Instruction {
		if id := tx.Bucket(bucketPickerTasks).Get([]byte(picker)); id != nil {
			if t, err := taskByID(tx, "replay", string(id)); err == nil {
				return t.Instruction()
			}
		}
		return floor.Instruction{Expect: floor.ExpectNothing}
	}
}

// PickScan applies one picker's scan to their open task. It returns only
// after the scan, its answer and all its effects (stock, task, order
// states, learning) are committed; concurrent scans of many handhelds
// share one commit (bbolt's batch: group commit). A scan id seen before
// gets its first answer again, marked Replayed, and changes nothing.
func (s *Store) PickScan(picker string, sc floor.Scan) (floor.Answer, error) {
	const op = "pick scan"
	if sc.At.IsZero() {
		sc.At = s.now()
	}
	var ans floor.Answer
	err := s.batch(op, func(tx *bolt.Tx) error {
		key := scanKey("pick", picker, sc.ID)
		var seen bool
		var err error
		if ans, seen, err = replay(tx, key, pickNext(tx, picker)); seen || err != nil {
			return err
		}
		ans, err = s.pickScan(tx, picker, sc)
		if err != nil {
			return err
		}
		return record(tx, key, picker, sc, ans)
	})
	return ans, err
}

func (s *Store) pickScan(tx *bolt.Tx, picker string, sc floor.Scan) (floor.Answer, error) {
	id := tx.Bucket(bucketPickerTasks).Get([]byte(picker))
	if id == nil {
		return noTask(tx, picker, sc)
	}
	t, err := taskByID(tx, "pick scan", string(id))
	if err != nil {
		return floor.Answer{}, err
	}
	env, err := s.pickEnv(tx)
	if err != nil {
		return floor.Answer{}, err
	}
	out, err := t.ApplyPickScan(sc, env)
	if err != nil {
		return floor.Answer{}, err
	}
	if err := applyMoves(tx, out.Moves, floor.Movement{At: sc.At, User: picker, Ref: t.ID}); err != nil {
		return floor.Answer{}, err
	}
	if out.Short != nil {
		if err := flagForCount(tx, *out.Short, sc.At); err != nil {
			return floor.Answer{}, err
		}
	}
	if len(out.Learned) > 0 {
		if err := s.learnPicks(tx, picker, out.Learned...); err != nil {
			return floor.Answer{}, err
		}
	}
	if out.AllPicked {
		// The orders are picked and may be packed; the picker keeps the
		// task until the totes are dropped off.
		for _, o := range t.Orders {
			if err := setOrderState(tx, o.OrderID, floor.StatePicked, sc.At); err != nil {
				return floor.Answer{}, err
			}
		}
	}
	if out.DroppedOff {
		if err := endPickerTask(tx, t, nil); err != nil {
			return floor.Answer{}, err
		}
	}
	if out.Tote != nil {
		if err := tx.Bucket(bucketTotes).Put([]byte(out.Tote.Code), []byte(out.Tote.OrderID)); err != nil {
			return floor.Answer{}, err
		}
	}
	if out.Replanned {
		return out.Answer, putTaskPlan(tx, &t)
	}
	return out.Answer, putTask(tx, &t)
}

// pickEnv answers the domain's questions from inside tx.
type pickEnv struct {
	tx   *bolt.Tx
	bins map[string]bool
}

func (s *Store) pickEnv(tx *bolt.Tx) (pickEnv, error) {
	bins, err := s.binSet(tx)
	return pickEnv{tx: tx, bins: bins}, err
}

func (e pickEnv) IsBin(code string) bool { return e.bins[code] }

func (e pickEnv) SKUOf(code string) (string, bool) {
	bc, err := floor.ParseBarcode(code)
	if err != nil {
		return "", false
	}
	id := e.tx.Bucket(bucketBarcodes).Get([]byte(bc.Key()))
	return string(id), id != nil
}

// Reroute reserves up to units of sku in the bin with most available stock
// other than not.
func (e pickEnv) Reroute(sku, not string, units int64) (string, int64, error) {
	levels, err := levelsOfSKU(e.tx, sku)
	if err != nil {
		return "", 0, err
	}
	var best floor.StockLevel
	for _, l := range levels {
		if l.Bin != not && l.Available() > best.Available() {
			best = l
		}
	}
	got := min(best.Available(), units)
	if got <= 0 {
		return "", 0, nil
	}
	best.Reserved += got
	return best.Bin, got, putLevel(e.tx, best, true) // read through the SKU index
}

func setOrderState(tx *bolt.Tx, id string, st floor.OrderState, at time.Time) error {
	o, err := orderByID(tx, "set order state", id)
	if err != nil {
		return err
	}
	return putOrderState(tx, o, st, at)
}

// putOrderState stores o, just read in tx, in state st from at.
func putOrderState(tx *bolt.Tx, o floor.Order, st floor.OrderState, at time.Time) error {
	o.State, o.UpdatedAt = st, at
	if st == floor.StateHandedOff {
		o.HandedOffAt = at
	}
	return putOrder(tx, o)
}

// ScanCount is how many scans are recorded, for tests and crash checks.
func (s *Store) ScanCount() (int, error) {
	n := 0
	err := s.view("count scans", func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketScanIndex).Stats().KeyN
		return nil
	})
	return n, err
}

// ScanAnswer returns the recorded answer to a user's scan id.
func (s *Store) ScanAnswer(kind, user, id string) (floor.Answer, bool, error) {
	var a floor.Answer
	var ok bool
	err := s.view("get scan", func(tx *bolt.Tx) error {
		var err error
		a, ok, err = replay(tx, scanKey(kind, user, id), func() floor.Instruction { return floor.Instruction{} })
		return err
	})
	return a, ok, err
}

// u64 is a big-endian key: sequence numbers sort as numbers.
func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// migrateScans moves version 2's scans (records keyed by id, a log of ids
// by sequence) into version 3's records by sequence and index by id.
func migrateScans(tx *bolt.Tx) error {
	oldRecords, oldLog := tx.Bucket([]byte("scans")), tx.Bucket([]byte("scan_log"))
	if oldRecords == nil || oldLog == nil {
		return nil
	}
	err := oldLog.ForEach(func(_, key []byte) error {
		rec, err := decodeJSON[scanRecord](oldRecords.Get(key)) // version 2 wrote them whole
		if err != nil {
			return err
		}
		return record(tx, key, rec.User, rec.Scan, rec.Answer)
	})
	if err != nil {
		return err
	}
	if err := tx.DeleteBucket([]byte("scans")); err != nil {
		return err
	}
	return tx.DeleteBucket([]byte("scan_log"))
}

// migrateScanRecords rewrites version 4's whole scan records short.
func migrateScanRecords(tx *bolt.Tx) error {
	return rewriteRecords(tx.Bucket(bucketScanRecords), func(v []byte) ([]byte, error) {
		rec, err := decodeJSON[scanRecord](v)
		if err != nil {
			return nil, err
		}
		return encodeJSON(rec.stored())
	})
}
