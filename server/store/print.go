package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// enqueuePrint adds a print job inside tx.
func enqueuePrint(tx *txn, orderID, station string, reprint bool, at time.Time) (floor.PrintJob, error) {
	b := tx.Bucket(bucketPrintJobs)
	id, err := b.NextSequence()
	if err != nil {
		return floor.PrintJob{}, err
	}
	j := floor.PrintJob{ID: id, OrderID: orderID, Station: station, State: floor.PrintQueued, Reprint: reprint, CreatedAt: at}
	return j, putJob(tx, j)
}

// enqueueTaskPrint adds, inside tx, the print job of a paper task's
// documents at the picker's station.
func enqueueTaskPrint(tx *txn, taskID, station string, at time.Time) (floor.PrintJob, error) {
	b := tx.Bucket(bucketPrintJobs)
	id, err := b.NextSequence()
	if err != nil {
		return floor.PrintJob{}, err
	}
	j := floor.PrintJob{ID: id, TaskID: taskID, Station: station, State: floor.PrintQueued, CreatedAt: at}
	return j, putJob(tx, j)
}

// Reprint queues the documents of an order again at station, or, when
// station is empty, at the station that printed them last (a supervisor
// reprinting from the floor view). The reprint is recorded in the history
// with who asked and why.
func (s *Store) Reprint(by floor.User, orderID, station, reason string) (floor.PrintJob, error) {
	const op = "reprint"
	var j floor.PrintJob
	err := s.update(op, func(tx *txn) error {
		o, err := orderByID(tx, op, orderID)
		if err != nil {
			return err
		}
		if o.State != floor.StatePacked && o.State != floor.StateHandedOff {
			return &floor.Error{Op: op, Kind: floor.KindConflict, Reason: "NOT_PACKED",
				Msg: fmt.Sprintf("order %s is %s: documents print once it is packed", o.ID, o.State)}
		}
		if station == "" {
			if station, err = lastStation(tx, o.ID); err != nil {
				return err
			}
		}
		now := s.now()
		if j, err = enqueuePrint(tx, orderID, station, true, now); err != nil {
			return err
		}
		note := fmt.Sprintf("documents of order %s reprinted at %s by %s", o.ID, station, by.Name)
		if reason != "" {
			note += ": " + reason
		}
		return recordMovement(tx, floor.Movement{At: now, User: by.Name, Kind: floor.MoveReprint, Ref: o.ID, Note: note})
	})
	return j, err
}

// lastStation finds the station of an order's latest print job, looking
// back from the newest job (an order asked about is usually recent).
func lastStation(tx *txn, orderID string) (string, error) {
	const op = "reprint"
	// A cheap test on the raw record before decoding it: the job's JSON
	// holds the id as a JSON string.
	quoted, err := json.Marshal(orderID)
	if err != nil {
		return "", err
	}
	c := tx.Bucket(bucketPrintJobs).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		if !bytes.Contains(v, quoted) {
			continue
		}
		j, err := decodeJSON[floor.PrintJob](v)
		if err != nil {
			return "", err
		}
		if j.OrderID == orderID && j.Station != "" {
			return j.Station, nil
		}
	}
	return "", floor.Invalid(op, []floor.Violation{{Field: "station", Description: fmt.Sprintf("order %s was never printed at a station: name one", orderID)}})
}

// PrintJobs lists jobs by id; with open set, only those not yet sent.
func (s *Store) PrintJobs(open bool) ([]floor.PrintJob, error) {
	var out []floor.PrintJob
	list := bucketPrintJobs
	if open {
		list = bucketPrintOpen
	}
	err := s.view("list print jobs", func(tx *txn) error {
		var err error
		out, err = jobsOf(tx, list)
		return err
	})
	return out, err
}

// updateJob changes one job in its own transaction, committed before the
// caller goes on: the states are the promise that a job prints once.
func (s *Store) updateJob(op string, id uint64, fn func(j *floor.PrintJob) error) (floor.PrintJob, error) {
	var j floor.PrintJob
	err := s.update(op, func(tx *txn) error {
		b := tx.Bucket(bucketPrintJobs)
		raw := b.Get(u64(id))
		if raw == nil {
			return floor.E(op, floor.KindNotFound, "no print job %d", id)
		}
		var err error
		if j, err = decodeJSON[floor.PrintJob](raw); err != nil {
			return err
		}
		if err := fn(&j); err != nil {
			return err
		}
		return putJob(tx, j)
	})
	return j, err
}

// errNotQueued says a job is not (or no longer) waiting to be sent.
var errNotQueued = fmt.Errorf("not queued")

// StartPrint marks a queued job as being sent; it fails for any job not
// queued, so two senders never send one job.
func (s *Store) StartPrint(id uint64) (floor.PrintJob, error) {
	return s.updateJob("start print", id, func(j *floor.PrintJob) error {
		if j.State != floor.PrintQueued {
			return &floor.Error{Op: "start print", Kind: floor.KindConflict, Err: errNotQueued, Msg: fmt.Sprintf("job %d is %s", id, j.State)}
		}
		j.State = floor.PrintSending
		j.Attempts++
		return nil
	})
}

// FinishPrint records the outcome of a send: sent, or queued again after
// backoff with the failure kept visible.
func (s *Store) FinishPrint(id uint64, sendErr error, retryAfter time.Duration) (floor.PrintJob, error) {
	return s.updateJob("finish print", id, func(j *floor.PrintJob) error {
		if sendErr == nil {
			j.State, j.SentAt, j.LastError = floor.PrintSent, s.now(), ""
			return nil
		}
		j.State, j.LastError, j.NotBefore = floor.PrintQueued, sendErr.Error(), s.now().Add(retryAfter)
		return nil
	})
}

// recoverPrintJobs marks jobs left Sending by a crash as Unknown.
func recoverPrintJobs(tx *txn) error {
	jobs, err := jobsOf(tx, bucketPrintOpen)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.State == floor.PrintSending {
			j.State, j.LastError = floor.PrintUnknown, "the server stopped while sending: reprint if the label did not come out"
			if err := putJob(tx, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// jobsOf reads the jobs listed by a bucket keyed like the jobs (all jobs,
// or the open ones) into memory, so that callers may then write them.
func jobsOf(tx *txn, list []byte) ([]floor.PrintJob, error) {
	var out []floor.PrintJob
	all := tx.Bucket(bucketPrintJobs)
	err := tx.Bucket(list).ForEach(func(k, _ []byte) error {
		j, err := decodeJSON[floor.PrintJob](all.Get(k))
		out = append(out, j)
		return err
	})
	return out, err
}

// putJob writes a job and keeps the index of jobs not yet sent, which the
// dispatcher reads on every look instead of every job ever printed.
func putJob(tx *txn, j floor.PrintJob) error {
	if err := put(tx.Bucket(bucketPrintJobs), string(u64(j.ID)), j); err != nil {
		return err
	}
	if j.State == floor.PrintSent {
		return tx.Bucket(bucketPrintOpen).Delete(u64(j.ID))
	}
	return tx.Bucket(bucketPrintOpen).Put(u64(j.ID), nil)
}

// PrintJobsAfter lists up to limit jobs, open or sent, with ids above
// after, in id order: /metrics follows new jobs with it.
func (s *Store) PrintJobsAfter(after uint64, limit int) ([]floor.PrintJob, error) {
	var out []floor.PrintJob
	err := s.view("list print jobs", func(tx *txn) error {
		c := tx.Bucket(bucketPrintJobs).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			j, err := decodeJSON[floor.PrintJob](v)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return nil
	})
	return out, err
}

// PrintJobsByID reads the jobs with the given ids; unknown ids are left
// out.
func (s *Store) PrintJobsByID(ids ...uint64) ([]floor.PrintJob, error) {
	var out []floor.PrintJob
	err := s.view("list print jobs", func(tx *txn) error {
		b := tx.Bucket(bucketPrintJobs)
		for _, id := range ids {
			raw := b.Get(u64(id))
			if raw == nil {
				continue
			}
			j, err := decodeJSON[floor.PrintJob](raw)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return nil
	})
	return out, err
}
