package store

import (
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// A task is kept as two records: its plan (orders, stops, route; about
// 2 KB, written when assigned and again only when a short pick re-routes)
// and its progress (units taken, where the picker is; about 200 bytes,
// written on every scan, in binary: progress.go). A scan then decodes and
// encodes only the progress; the plan is decoded once and kept in memory.

// taskProgress is what scans change on a task.
type taskProgress struct {
	Plan        uint64 // which version of the plan the counts belong to
	Picked      []int64
	Short       []int64
	Done        bool
	AtBin       string
	ItemAt      string
	ArrivedAt   time.Time
	FirstUnitAt time.Time
	LeftAt      time.Time
	LeftMeters  float64
	DoneAt      time.Time
	// The end of a handheld task (schema 11; absent from older records).
	DroppedAt   time.Time
	DropStation string
	Released    bool
}

// taskPlan is the plan record: the task without its progress (written
// short: planrecord.go).
type taskPlan struct {
	Version uint64
	Task    floor.Task
}

// plans holds decoded plans of recent tasks by file and task id, with the
// version they belong to; a read checks the version against the progress
// record. Versions count per file (in its tasks bucket), so the file is
// part of the key: a process may hold several (tests, a restore).
var plans = struct {
	sync.Mutex
	byTask map[planKey]taskPlan
}{byTask: map[planKey]taskPlan{}}

type planKey struct {
	db *bolt.DB
	id string
}

// maxCachedPlans bounds the cache: more than the open tasks of any floor.
const maxCachedPlans = 20_000

func cachedPlan(db *bolt.DB, id string, version uint64) (floor.Task, bool) {
	plans.Lock()
	defer plans.Unlock()
	p, ok := plans.byTask[planKey{db, id}]
	return p.Task, ok && p.Version == version
}

func cachePlan(db *bolt.DB, id string, p taskPlan) {
	plans.Lock()
	defer plans.Unlock()
	if len(plans.byTask) >= maxCachedPlans {
		clear(plans.byTask)
	}
	plans.byTask[planKey{db, id}] = p
}

// uncachePlan forgets a task's plan: a done task is seldom read again
// (readTask does not cache it back), and a busy floor finishes thousands
// of tasks an hour.
func uncachePlan(db *bolt.DB, id string) {
	plans.Lock()
	defer plans.Unlock()
	delete(plans.byTask, planKey{db, id})
}

// forgetPlans drops the plans of a file being closed.
func forgetPlans(db *bolt.DB) {
	plans.Lock()
	defer plans.Unlock()
	for k := range plans.byTask {
		if k.db == db {
			delete(plans.byTask, k)
		}
	}
}

func progressOf(t *floor.Task, plan uint64) taskProgress {
	p := taskProgress{Plan: plan, Done: t.Done, AtBin: t.AtBin, ItemAt: t.ItemAt, ArrivedAt: t.ArrivedAt,
		FirstUnitAt: t.FirstUnitAt, LeftAt: t.LeftAt, LeftMeters: t.LeftMeters, DoneAt: t.DoneAt,
		DroppedAt: t.DroppedAt, DropStation: t.DropStation, Released: t.Released,
		Picked: make([]int64, len(t.Stops)), Short: make([]int64, len(t.Stops))}
	for i, s := range t.Stops {
		p.Picked[i], p.Short[i] = s.Picked, s.Short
	}
	return p
}

// planOf is t without its progress.
func planOf(t *floor.Task) floor.Task {
	plan := *t
	plan.Stops = append([]floor.Stop(nil), t.Stops...)
	for i := range plan.Stops {
		plan.Stops[i].Picked, plan.Stops[i].Short = 0, 0
	}
	plan.Done, plan.AtBin, plan.ItemAt, plan.LeftMeters = false, "", "", 0
	plan.ArrivedAt, plan.FirstUnitAt, plan.LeftAt, plan.DoneAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	plan.DroppedAt, plan.DropStation, plan.Released = time.Time{}, "", false
	return plan
}

// writeTask stores t: its progress always, its plan when new, when the
// number of stops changed (a re-route), or when replan says the plan
// changed otherwise (a tote scanned, a stop postponed, a new picker).
func writeTask(tx *txn, t *floor.Task, replan bool) error {
	progress := tx.Bucket(bucketTaskProgress)
	var version uint64
	stops := -1
	if old := progress.Get([]byte(t.ID)); old != nil {
		var err error
		if version, stops, err = progressHeader(old); err != nil {
			return fmt.Errorf("task %q: %w", t.ID, err)
		}
	}
	if replan || stops != len(t.Stops) {
		// Plan versions count in the progress bucket's sequence (the tasks
		// bucket's numbers the tasks), so that every node applying the
		// same writes numbers them alike; files of before schema 13
		// numbered them from the clock, above it.
		next, err := progress.NextSequence()
		if err != nil {
			return err
		}
		if next <= version {
			next = version + 1
			if err := progress.SetSequence(next); err != nil {
				return err
			}
		}
		version = next
		plan := taskPlan{Version: version, Task: planOf(t)}
		if err := putPlan(tx.Bucket(bucketTasks), plan); err != nil {
			return err
		}
		if !t.Done {
			// The picker's next scan reads it: a tote scan changes the plan
			// four times a task. Should this write roll back, the version
			// is handed out again, and its next write caches its own plan
			// in place of this one.
			cachePlan(tx.DB(), t.ID, plan)
		}
	}
	if t.Done {
		uncachePlan(tx.DB(), t.ID) // a rolled-back write only costs a read later
	}
	return progress.Put([]byte(t.ID), encodeProgress(progressOf(t, version)))
}

// readTask assembles a task from its plan (from memory when it can) and
// its progress; ok is false when there is no such task.
func readTask(tx *txn, id string) (floor.Task, bool, error) {
	raw := tx.Bucket(bucketTaskProgress).Get([]byte(id))
	if raw == nil {
		return floor.Task{}, false, nil
	}
	p, err := decodeProgress(raw)
	if err != nil {
		return floor.Task{}, false, fmt.Errorf("task %q: %w", id, err)
	}
	t, hit := cachedPlan(tx.DB(), id, p.Plan)
	if !hit {
		plan, ok, err := getPlan(tx.Bucket(bucketTasks), id)
		if err != nil || !ok {
			return floor.Task{}, ok, err
		}
		t = plan.Task
		if plan.Version == p.Plan && !p.Done { // done tasks are read by packing, reports and audits: not worth a place
			cachePlan(tx.DB(), id, plan)
		}
	}
	// The cached plan is shared: a scan that changes the task in place
	// (a tote set on an order, a stop's units) must not change it too.
	t.Stops = append([]floor.Stop(nil), t.Stops...)
	t.Orders = append([]floor.TaskOrder(nil), t.Orders...)
	for i := range min(len(t.Stops), len(p.Picked)) {
		t.Stops[i].Picked, t.Stops[i].Short = p.Picked[i], p.Short[i]
	}
	t.Done, t.AtBin, t.ItemAt, t.ArrivedAt, t.FirstUnitAt = p.Done, p.AtBin, p.ItemAt, p.ArrivedAt, p.FirstUnitAt
	t.LeftAt, t.LeftMeters, t.DoneAt = p.LeftAt, p.LeftMeters, p.DoneAt
	t.DroppedAt, t.DropStation, t.Released = p.DroppedAt, p.DropStation, p.Released
	return t, true, nil
}

// forEachTask calls fn with every task.
func forEachTask(tx *txn, fn func(floor.Task) error) error {
	return tx.Bucket(bucketTaskProgress).ForEach(func(k, _ []byte) error {
		t, ok, err := readTask(tx, string(k))
		if err != nil || !ok {
			return err
		}
		return fn(t)
	})
}

// migrateTasks splits version 3's single task records.
func migrateTasks(tx *txn) error {
	tasks := tx.Bucket(bucketTasks)
	var all []floor.Task
	err := tasks.ForEach(func(_, v []byte) error {
		t, err := decodeJSON[floor.Task](v)
		all = append(all, t)
		return err
	})
	if err != nil {
		return err
	}
	for i := range all {
		if err := writeTask(tx, &all[i], false); err != nil {
			return err
		}
	}
	return nil
}
