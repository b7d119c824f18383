package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// Entry is one scan kept on the device until the server has answered it.
// Enums are stored by name so the file stays readable by a person who
// has to find out what a handheld did.
type Entry struct {
	ID          string    `json:"id"`
	Seq         uint64    `json:"seq"`
	DeviceTime  time.Time `json:"device_time"`
	Code        string    `json:"code,omitempty"`
	Action      string    `json:"action,omitempty"`
	Quantity    int64     `json:"quantity,omitempty"`
	ShortReason string    `json:"short_reason,omitempty"`
	WeightG     int64     `json:"weight_g,omitempty"`
	// Call and Request carry a request of the inventory modes instead of
	// a scan: the InventoryService method's name and the request in
	// protojson, scan id and device time included, so a re-send is the
	// same request to the byte.
	Call    string          `json:"call,omitempty"`
	Request json.RawMessage `json:"request,omitempty"`
}

// entryOf makes the queue entry of a scan.
func entryOf(seq uint64, s *pb.Scan) Entry {
	e := Entry{ID: s.GetScanId(), Seq: seq, DeviceTime: s.GetDeviceTime().AsTime().UTC(), Code: s.GetCode(),
		Quantity: s.GetQuantity(), WeightG: s.GetWeightG()}
	if s.GetAction() != pb.ScanAction_SCAN_ACTION_UNSPECIFIED {
		e.Action = s.GetAction().String()
	}
	if s.GetShortReason() != pb.ShortReason_SHORT_REASON_UNSPECIFIED {
		e.ShortReason = s.GetShortReason().String()
	}
	return e
}

// Scan is the message the entry is sent as.
func (e Entry) Scan() *pb.Scan {
	return &pb.Scan{ScanId: e.ID, DeviceTime: timestamppb.New(e.DeviceTime), Code: e.Code,
		Action: pb.ScanAction(pb.ScanAction_value[e.Action]), Quantity: e.Quantity,
		ShortReason: pb.ShortReason(pb.ShortReason_value[e.ShortReason]), WeightG: e.WeightG}
}

func (e Entry) valid() error {
	switch {
	case e.ID == "":
		return errors.New("no scan id")
	case e.Seq == 0:
		return errors.New("no sequence number")
	}
	if _, ok := invCalls[e.Call]; e.Call != "" && !ok {
		return fmt.Errorf("unknown inventory call %q", e.Call)
	} else if e.Call != "" && len(e.Request) == 0 {
		return fmt.Errorf("inventory call %s without its request", e.Call)
	}
	if _, ok := pb.ScanAction_value[e.Action]; e.Action != "" && !ok {
		return fmt.Errorf("unknown action %q", e.Action)
	}
	if _, ok := pb.ShortReason_value[e.ShortReason]; e.ShortReason != "" && !ok {
		return fmt.Errorf("unknown short reason %q", e.ShortReason)
	}
	return nil
}

// Damage is a line of a queue file that could not be read back: most often
// the last line, torn by a crash or power loss in the middle of a write.
type Damage struct {
	Line int
	Text string
	Err  error
}

func (d Damage) Error() string {
	return fmt.Sprintf("line %d: %v: %q", d.Line, d.Err, d.Text)
}

// Queue is the device's file of unanswered scans, one JSON object a line,
// oldest first. A scan is appended and fsynced before it is sent, so no
// scan a person made is lost to a dropped link, a crash or an empty
// battery; it leaves the file only once its answer has arrived. Safe for
// concurrent use.
type Queue struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	entries []Entry
}

// OpenQueue opens (creating if needed) the queue file at path and reads
// back what is still pending. Lines that cannot be read are skipped,
// returned as damage, and saved to path+".damaged" so nothing a device
// wrote is destroyed without trace; the queue file is then rewritten
// without them so new scans are not appended behind a torn line.
func OpenQueue(path string) (*Queue, []Damage, error) {
	q := &Queue{path: path}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	var damage []Damage
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e Entry
		err := json.Unmarshal(line, &e)
		if err == nil {
			err = e.valid()
		}
		if err == nil && len(q.entries) > 0 && e.Seq <= q.entries[len(q.entries)-1].Seq {
			err = fmt.Errorf("sequence %d after %d", e.Seq, q.entries[len(q.entries)-1].Seq)
		}
		if err != nil {
			damage = append(damage, Damage{Line: n, Text: string(line), Err: err})
			continue
		}
		q.entries = append(q.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(damage) > 0 {
		if err := saveDamage(path+".damaged", damage); err != nil {
			return nil, nil, err
		}
	}
	// Rewriting also drops a torn tail that had no newline yet.
	if len(damage) > 0 || (len(data) > 0 && data[len(data)-1] != '\n') || len(q.entries) == 0 && len(data) > 0 {
		if err := q.rewrite(); err != nil {
			return nil, nil, err
		}
	}
	if q.f == nil {
		if q.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
			return nil, nil, err
		}
	}
	return q, damage, nil
}

func saveDamage(path string, damage []Damage) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	for _, d := range damage {
		fmt.Fprintf(f, "%s\n", d.Text)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Append adds a scan at the end and returns once it is on disk.
func (q *Queue) Append(e Entry) error {
	if err := e.valid(); err != nil {
		return err
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := len(q.entries); n > 0 && e.Seq <= q.entries[n-1].Seq {
		return fmt.Errorf("queue: sequence %d after %d", e.Seq, q.entries[n-1].Seq)
	}
	if _, err := q.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if err := q.f.Sync(); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	q.entries = append(q.entries, e)
	return nil
}

// Remove takes the scan with id out of the queue (its answer arrived, or
// the server refused it) and compacts the file. It reports whether the
// scan was still queued: a second answer to the same scan finds nothing.
func (q *Queue) Remove(id string) (Entry, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, e := range q.entries {
		if e.ID != id {
			continue
		}
		q.entries = append(q.entries[:i:i], q.entries[i+1:]...)
		return e, true, q.rewrite()
	}
	return Entry{}, false, nil
}

// SetAside keeps an entry the server refused, taken out of the queue as
// sending it again cannot help, in the file beside the queue (RejectedPath)
// with the server's reason, for the audit trail. Best effort: the refusal
// is shown either way, and a state dir that cannot be written fails the
// next scan, which says so.
func (q *Queue) SetAside(e Entry, why error) {
	_ = saveDamage(q.RejectedPath(), []Damage{{Text: fmt.Sprintf(`{"entry":%s,"error":%q}`, mustJSON(e), status.Convert(why).Message())}})
}

// RejectedPath is the file SetAside keeps refused entries in.
func (q *Queue) RejectedPath() string { return q.path + ".rejected" }

// rewrite replaces the file with the entries held, atomically: a crash
// leaves the old file or the new one, never half of one.
func (q *Queue) rewrite() error {
	if q.f != nil {
		q.f.Close()
		q.f = nil
	}
	var buf bytes.Buffer
	for _, e := range q.entries {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	tmp := q.path + ".tmp"
	if err := writeSynced(tmp, buf.Bytes()); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if err := os.Rename(tmp, q.path); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if err := syncDir(filepath.Dir(q.path)); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	f, err := os.OpenFile(q.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	q.f = f
	return nil
}

// Pending returns the queued scans, oldest first.
func (q *Queue) Pending() []Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Entry(nil), q.entries...)
}

// After returns the queued scans with a sequence number above seq, oldest
// first: what a stream has not sent yet.
func (q *Queue) After(seq uint64) []Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, e := range q.entries {
		if e.Seq > seq {
			return append([]Entry(nil), q.entries[i:]...)
		}
	}
	return nil
}

// Len is the number of unanswered scans.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries)
}

// Close closes the file; what is queued stays on disk for the next start.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.f == nil {
		return nil
	}
	err := q.f.Close()
	q.f = nil
	return err
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename durable. Some systems cannot sync a directory;
// there the rename is as durable as the system makes it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // best effort: not every system can sync a directory
	return nil
}

func mustJSON(e Entry) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		return []byte("null")
	}
	return b
}
