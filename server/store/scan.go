package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// scanRecord is what is kept of every scan: the audit trail, and the answer
// a re-sent scan gets again. Records are appended in commit order under a
// sequence number; an index finds a scan by its id. The answer is kept
// without the stop of its next instruction: a re-sent scan gets its
// original verdict and message with what to do now, which is what a device
// that lost the link needs.
type scanRecord struct {
	Kind   string // "pick", "pack", "handoff" or one of the stock scans (scanKinds)
	User   string
	Scan   floor.Scan
	Answer floor.Answer
}

// A scan record is written for every scan a busy floor makes, so it is
// binary: a format byte (scanFormat), the kind as one byte (scanKinds),
// the scan's time in nanoseconds since 1970 (8 bytes, big-endian), then
// varints and length-prefixed strings: the user, the scan id, the device
// time as its difference from the scan's time (0: none), the code, the
// action, quantity, short reason and weight, the verdict, the reason, the
// message, the order and the task of the next instruction. About 150
// bytes where the JSON of schema 5-12 took 320. Schemas before 13 wrote
// JSON; Open rewrites them (migrateScanRecords).
const scanFormat byte = 1

// scanKinds numbers the kinds in a record: the index is the byte.
var scanKinds = [...]string{"", "pick", "pack", "handoff", "receive", "putaway", "count", "transfer"}

// errCorruptScan is returned for a scan record that does not decode.
var errCorruptScan = errors.New("corrupt scan record")

func encodeScan(r scanRecord) ([]byte, error) {
	sc, a := r.Scan, r.Answer
	kind := slices.Index(scanKinds[:], r.Kind)
	if kind <= 0 {
		return nil, fmt.Errorf("scan record of unknown kind %q", r.Kind)
	}
	at := floor.UnixNano(sc.At)
	b := append(make([]byte, 0, 96+len(a.Message)), scanFormat, byte(kind))
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	b = appendString(appendString(b, r.User), sc.ID)
	var dt int64
	if !sc.DeviceTime.IsZero() {
		dt = sc.DeviceTime.UnixNano() - at
		if dt == 0 {
			dt = 1 // 0 means none; a nanosecond is below any device's clock
		}
	}
	b = binary.AppendVarint(b, dt)
	b = appendString(b, sc.Code)
	b = binary.AppendUvarint(b, uint64(sc.Action))
	b = binary.AppendVarint(b, sc.Quantity)
	b = binary.AppendUvarint(b, uint64(sc.ShortReason))
	b = binary.AppendVarint(b, sc.WeightG)
	b = binary.AppendUvarint(b, uint64(a.Verdict))
	b = appendString(appendString(b, a.Reason), a.Message)
	return appendString(appendString(b, a.Next.OrderID), a.Next.TaskID), nil
}

func decodeScan(raw []byte) (scanRecord, error) {
	if len(raw) > 0 && raw[0] == '{' { // schema 5-12, until Open has rewritten it
		s, err := decodeJSON[jsonScan](raw)
		return s.record(), err
	}
	r := binReader{b: raw, bad: errCorruptScan}
	if r.byte() != scanFormat {
		return scanRecord{}, errCorruptScan
	}
	kind := int(r.byte())
	if kind == 0 || kind >= len(scanKinds) {
		return scanRecord{}, errCorruptScan
	}
	var rec scanRecord
	rec.Kind = scanKinds[kind]
	sc := &rec.Scan
	at := int64(r.u64())
	sc.At = floor.FromUnixNano(at)
	rec.User, sc.ID = r.str(), r.str()
	if dt := r.varint(); dt != 0 {
		sc.DeviceTime = time.Unix(0, at+dt).UTC()
	}
	sc.Code = r.str()
	sc.Action = floor.ScanAction(r.uvarint())
	sc.Quantity = r.varint()
	sc.ShortReason = floor.ShortReason(r.uvarint())
	sc.WeightG = r.varint()
	a := &rec.Answer
	a.ScanID = sc.ID
	a.Verdict = floor.Verdict(r.uvarint())
	a.Reason, a.Message = r.str(), r.str()
	a.Next.OrderID, a.Next.TaskID = r.str(), r.str()
	return rec, r.end()
}

// jsonScan is a scan record as schemas 5-12 wrote it.
type jsonScan struct {
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

func (s jsonScan) record() scanRecord {
	return scanRecord{Kind: s.Kind, User: s.User,
		Scan: floor.Scan{ID: s.ID, DeviceTime: floor.FromUnixNano(s.DeviceTime), At: floor.FromUnixNano(s.At), Code: s.Code,
			Action: floor.ScanAction(s.Action), Quantity: s.Quantity, ShortReason: floor.ShortReason(s.Short), WeightG: s.WeightG},
		Answer: floor.Answer{ScanID: s.ID, Verdict: floor.Verdict(s.Verdict), Reason: s.Reason, Message: s.Message,
			Next: floor.Instruction{OrderID: s.OrderID, TaskID: s.TaskID}}}
}

// scanKey scopes a device's scan id by its user: ids are made on devices
// and only need to be unique per user.
func scanKey(kind, user, id string) []byte { return []byte(kind + "\x00" + user + "\x00" + id) }

// replay returns the recorded answer to a scan id already seen, with next
// as its instruction.
func replay(tx *txn, key []byte, next func() floor.Instruction) (floor.Answer, bool, error) {
	seq := tx.Bucket(bucketScanIndex).Get(key)
	if seq == nil {
		return floor.Answer{}, false, nil
	}
	rec, err := decodeScan(tx.Bucket(bucketScanRecords).Get(seq))
	rec.Answer.Replayed = true
	rec.Answer.Next = next()
	return rec.Answer, true, err
}

// record appends a scan and its answer, and indexes it by key.
func record(tx *txn, key []byte, user string, sc floor.Scan, a floor.Answer) error {
	kind, _, _ := strings.Cut(string(key), "\x00")
	raw, err := encodeScan(scanRecord{Kind: kind, User: user, Scan: sc, Answer: a})
	if err != nil {
		return err
	}
	records := tx.Bucket(bucketScanRecords)
	records.SetFill(1) // appended in order: full pages, no splits
	seq, err := records.NextSequence()
	if err != nil {
		return err
	}
	if err := records.Put(u64(seq), raw); err != nil {
		return err
	}
	back, err := decodeScan(raw) // exactly what a reader of the file will get
	if err != nil {
		return err
	}
	noteScan(tx, ScanEntry{Seq: seq, Kind: kind, User: user, Scan: back.Scan, Answer: back.Answer})
	return tx.Bucket(bucketScanIndex).Put(key, u64(seq))
}

// pickNext is what a picker does now: their open task's next step.
func pickNext(tx *txn, picker string) func() floor.Instruction {
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
	err := s.batch(op, func(tx *txn) error {
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

func (s *Store) pickScan(tx *txn, picker string, sc floor.Scan) (floor.Answer, error) {
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
		if err := learnPicks(tx, picker, out.Learned...); err != nil {
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
	tx   *txn
	bins map[string]bool
}

func (s *Store) pickEnv(tx *txn) (pickEnv, error) {
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

func setOrderState(tx *txn, id string, st floor.OrderState, at time.Time) error {
	o, err := orderByID(tx, "set order state", id)
	if err != nil {
		return err
	}
	return putOrderState(tx, o, st, at)
}

// putOrderState stores o, just read in tx, in state st from at.
func putOrderState(tx *txn, o floor.Order, st floor.OrderState, at time.Time) error {
	o.State, o.UpdatedAt = st, at
	if st == floor.StateHandedOff {
		o.HandedOffAt = at
	}
	return putOrder(tx, o)
}

// ScanCount is how many scans are recorded, for tests and crash checks.
func (s *Store) ScanCount() (int, error) {
	n := 0
	err := s.view("count scans", func(tx *txn) error {
		n = tx.Bucket(bucketScanIndex).Stats().KeyN
		return nil
	})
	return n, err
}

// ScanAnswer returns the recorded answer to a user's scan id.
func (s *Store) ScanAnswer(kind, user, id string) (floor.Answer, bool, error) {
	var a floor.Answer
	var ok bool
	err := s.view("get scan", func(tx *txn) error {
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
func migrateScans(tx *txn) error {
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

// migrateScanRecords rewrites the JSON scan records of schemas 3-12 in
// binary: whole (schemas 3 and 4) or short (5-12).
func migrateScanRecords(tx *txn, whole bool) error {
	return rewriteRecords(tx.Bucket(bucketScanRecords), func(v []byte) ([]byte, error) {
		if len(v) == 0 || v[0] != '{' {
			return nil, nil
		}
		var rec scanRecord
		var err error
		if whole {
			rec, err = decodeJSON[scanRecord](v)
		} else {
			rec, err = decodeScan(v)
		}
		if err != nil {
			return nil, err
		}
		return encodeScan(rec)
	})
}
