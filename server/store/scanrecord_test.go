package store

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

func TestScanRecordRoundTrip(t *testing.T) {
	full := scanRecord{Kind: "pick", User: "ann",
		Scan: floor.Scan{ID: "hh1-42", DeviceTime: t0.Add(-1500 * time.Millisecond), At: t0, Code: "2457174000349",
			Action: floor.ScanAction(2), Quantity: 3, ShortReason: floor.ShortReason(1), WeightG: 1250},
		Answer: floor.Answer{ScanID: "hh1-42", Verdict: floor.VerdictRight, Reason: "PICKED",
			Message: "1 of 2 into TOTE-9: 1 more of SKU-00312 Кроссовки", Next: floor.Instruction{OrderID: "O-1", TaskID: "T000001"}}}
	tests := []struct {
		name string
		rec  scanRecord
	}{
		{"every field", full},
		{"device time equal to the server's", func() scanRecord {
			r := full
			r.Scan.DeviceTime = r.Scan.At
			return r
		}()},
		{"device time later than the server's", func() scanRecord {
			r := full
			r.Scan.DeviceTime = r.Scan.At.Add(time.Hour)
			return r
		}()},
		{"bare", scanRecord{Kind: "transfer", User: "u", Scan: floor.Scan{ID: "x", At: t0}, Answer: floor.Answer{ScanID: "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := encodeScan(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeScan(raw)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.rec
			if want.Scan.DeviceTime.Equal(want.Scan.At) && !want.Scan.DeviceTime.IsZero() {
				// Stored as a nanosecond apart: zero means none.
				want.Scan.DeviceTime = want.Scan.DeviceTime.Add(time.Nanosecond)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip: got %+v\nwant %+v", got, want)
			}
		})
	}
	if raw, _ := encodeScan(full); len(raw) > 130 {
		t.Errorf("record of %d bytes; want at most 130", len(raw))
	}
}

func TestScanRecordRefusesUnknownKindAndCorruptBytes(t *testing.T) {
	if _, err := encodeScan(scanRecord{Kind: "dance"}); err == nil {
		t.Error("encoded a record of an unknown kind")
	}
	good, err := encodeScan(scanRecord{Kind: "pack", User: "p", Scan: floor.Scan{ID: "s", At: t0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range [][]byte{nil, {}, {9}, {scanFormat, 0}, {scanFormat, 99}, good[:len(good)-1], append(good, 0)} {
		if _, err := decodeScan(raw); err == nil {
			t.Errorf("decoded %q without an error", raw)
		}
	}
}

// A file of schema 12 has its JSON scan records rewritten in binary, and a
// re-sent scan still gets its answer.
func TestMigrateSchema12ScanRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	old := jsonScan{Kind: "pick", User: "ann", ID: "s1", At: t0.UnixNano(), DeviceTime: t0.Add(-time.Second).UnixNano(),
		Code: "A-01-001-1", Verdict: int(floor.VerdictRight), Reason: "AT_BIN", Message: "at A-01-001-1", TaskID: "T1"}
	err = updateDB(s.db, func(tx *txn) error {
		raw, _ := encodeJSON(old)
		tx.Bucket(bucketScanRecords).Put(u64(1), raw)
		tx.Bucket(bucketScanIndex).Put(scanKey("pick", "ann", "s1"), u64(1))
		return asSchema(tx, 12)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, _ := openTestStore(t, path)
	err = viewDB(s2.db, func(tx *txn) error {
		if raw := tx.Bucket(bucketScanRecords).Get(u64(1)); len(raw) == 0 || raw[0] != scanFormat {
			t.Errorf("record after migration: %q; want binary", raw)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	log, err := s2.ScanLog(0, 10)
	if err != nil || len(log) != 1 {
		t.Fatalf("scan log after migration: %+v, %v", log, err)
	}
	if got, want := log[0].Scan, (floor.Scan{ID: "s1", At: t0, DeviceTime: t0.Add(-time.Second), Code: "A-01-001-1"}); !reflect.DeepEqual(got, want) {
		t.Errorf("scan after migration: %+v; want %+v", got, want)
	}
	a, ok, err := s2.ScanAnswer("pick", "ann", "s1")
	if err != nil || !ok || a.Message != "at A-01-001-1" || a.Reason != "AT_BIN" || !a.Replayed {
		t.Errorf("answer after migration: %+v, %v, %v", a, ok, err)
	}
}

func FuzzDecodeScan(f *testing.F) {
	good, _ := encodeScan(scanRecord{Kind: "pick", User: "ann", Scan: floor.Scan{ID: "s", At: t0, Code: "C"},
		Answer: floor.Answer{Reason: "R", Message: "M"}})
	f.Add(good)
	f.Add([]byte(`{"k":"pick","u":"a","i":"s","at":1,"v":1,"r":"R","m":"M"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rec, err := decodeScan(raw)
		if err != nil || len(raw) == 0 || raw[0] != scanFormat {
			return
		}
		// What decodes encodes back to the same bytes.
		again, err := encodeScan(rec)
		if err != nil {
			t.Fatalf("decoded %q into %+v, which does not encode: %v", raw, rec, err)
		}
		if back, err := decodeScan(again); err != nil || !reflect.DeepEqual(back, rec) {
			t.Fatalf("%+v encodes to %q, which decodes to %+v, %v", rec, again, back, err)
		}
	})
}
