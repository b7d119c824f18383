package store

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/floor"
)

// storedPlan is a taskPlan as written: short names, no zero values, times
// and durations as integers. A plan of a few orders is 2-3 KB written
// whole, which takes a page or more of its own; short, it is under half.
type storedPlan struct {
	Version           uint64            `json:"v"`
	ID                string            `json:"id"`
	Picker            string            `json:"p,omitempty"`
	Orders            []storedTaskOrder `json:"o,omitempty"`
	Stops             []storedStop      `json:"s,omitempty"`
	CreatedAt         int64             `json:"ca,omitempty"`
	Route             storedRoute       `json:"r"`
	PredictedPickedAt int64             `json:"pp,omitempty"`
	Paper             bool              `json:"pa,omitempty"`
}

type storedTaskOrder struct {
	OrderID            string `json:"o"`
	Tote               int    `json:"t,omitempty"`
	DueAt              int64  `json:"d,omitempty"`
	PredictedHandoffAt int64  `json:"ph,omitempty"`
	AtRisk             bool   `json:"r,omitempty"`
	ToteCode           string `json:"tc,omitempty"`
}

type storedStop struct {
	Bin              string  `json:"b"`
	SKU              string  `json:"s"`
	Name             string  `json:"n,omitempty"`
	Quantity         int64   `json:"q,omitempty"`
	OrderID          string  `json:"o,omitempty"`
	Tote             int     `json:"t,omitempty"`
	ToteCode         string  `json:"tc,omitempty"`
	Familiar         bool    `json:"f,omitempty"`
	CumulativeMeters float64 `json:"m,omitempty"`
	PredictedElapsed int64   `json:"pe,omitempty"`
}

type storedRoute struct {
	Strategy       int     `json:"s,omitempty"`
	Reason         string  `json:"r,omitempty"`
	Meters         float64 `json:"m,omitempty"`
	ShortestMeters float64 `json:"sm,omitempty"`
	Optimal        bool    `json:"o,omitempty"`
}

// The two forms tell apart by their first bytes (JSON field names match
// case-insensitively, so decoding one form as the other would not fail).
var (
	shortPlanStart = []byte(`{"v":`)
	wholePlanStart = []byte(`{"Version":`)
)

// errOldPlan is returned for a plan record not in the short form: the
// file's schema says it was migrated, so the record is damaged.
var errOldPlan = errors.New("task plan record not in the short form of schema 9")

// encodePlan writes p's plan; the progress fields of p.Task are not kept.
func encodePlan(p taskPlan) ([]byte, error) {
	t := p.Task
	s := storedPlan{Version: p.Version, ID: t.ID, Picker: t.Picker, CreatedAt: unixNano(t.CreatedAt),
		PredictedPickedAt: unixNano(t.PredictedPickedAt), Paper: t.Paper,
		Route: storedRoute{Strategy: int(t.Route.Strategy), Reason: t.Route.Reason, Meters: t.Route.Meters,
			ShortestMeters: t.Route.ShortestMeters, Optimal: t.Route.Optimal}}
	for _, o := range t.Orders {
		s.Orders = append(s.Orders, storedTaskOrder{OrderID: o.OrderID, Tote: o.Tote, DueAt: unixNano(o.DueAt),
			PredictedHandoffAt: unixNano(o.PredictedHandoffAt), AtRisk: o.AtRisk, ToteCode: o.ToteCode})
	}
	for _, st := range t.Stops {
		s.Stops = append(s.Stops, storedStop{Bin: st.Bin, SKU: st.SKU, Name: st.Name, Quantity: st.Quantity,
			OrderID: st.OrderID, Tote: st.Tote, ToteCode: st.ToteCode, Familiar: st.Familiar, CumulativeMeters: st.CumulativeMeters,
			PredictedElapsed: int64(st.PredictedElapsed)})
	}
	return encodeJSON(s)
}

func decodePlan(raw []byte) (taskPlan, error) {
	if !bytes.HasPrefix(raw, shortPlanStart) {
		return taskPlan{}, errOldPlan
	}
	s, err := decodeJSON[storedPlan](raw)
	if err != nil {
		return taskPlan{}, err
	}
	t := floor.Task{ID: s.ID, Picker: s.Picker, CreatedAt: fromUnixNano(s.CreatedAt),
		PredictedPickedAt: fromUnixNano(s.PredictedPickedAt), Paper: s.Paper,
		Route: floor.RouteInfo{Strategy: floor.RouteStrategy(s.Route.Strategy), Reason: s.Route.Reason,
			Meters: s.Route.Meters, ShortestMeters: s.Route.ShortestMeters, Optimal: s.Route.Optimal}}
	if len(s.Orders) > 0 {
		t.Orders = make([]floor.TaskOrder, len(s.Orders))
		for i, o := range s.Orders {
			t.Orders[i] = floor.TaskOrder{OrderID: o.OrderID, Tote: o.Tote, DueAt: fromUnixNano(o.DueAt),
				PredictedHandoffAt: fromUnixNano(o.PredictedHandoffAt), AtRisk: o.AtRisk, ToteCode: o.ToteCode}
		}
	}
	if len(s.Stops) > 0 {
		t.Stops = make([]floor.Stop, len(s.Stops))
		for i, st := range s.Stops {
			t.Stops[i] = floor.Stop{Bin: st.Bin, SKU: st.SKU, Name: st.Name, Quantity: st.Quantity, OrderID: st.OrderID,
				Tote: st.Tote, ToteCode: st.ToteCode, Familiar: st.Familiar, CumulativeMeters: st.CumulativeMeters,
				PredictedElapsed: time.Duration(st.PredictedElapsed)}
		}
	}
	return taskPlan{Version: s.Version, Task: t}, nil
}

// getPlan reads a plan record; ok is false when there is none.
func getPlan(b *bolt.Bucket, id string) (taskPlan, bool, error) {
	raw := b.Get([]byte(id))
	if raw == nil {
		return taskPlan{}, false, nil
	}
	p, err := decodePlan(raw)
	if err != nil {
		return p, false, fmt.Errorf("decode plan %q: %w", id, err)
	}
	return p, true, nil
}

// putPlan writes a plan. Task ids grow with time, so new plans are
// appended and pages are filled up; a re-routed plan rarely splits one.
func putPlan(b *bolt.Bucket, p taskPlan) error {
	raw, err := encodePlan(p)
	if err != nil {
		return err
	}
	b.FillPercent = 1
	return b.Put([]byte(p.Task.ID), raw)
}

// migratePlans rewrites the whole plan records of schemas 4-8 short.
func migratePlans(tx *bolt.Tx) error {
	return rewriteRecords(tx.Bucket(bucketTasks), func(v []byte) ([]byte, error) {
		if !bytes.HasPrefix(v, wholePlanStart) {
			return nil, nil // short already
		}
		p, err := decodeJSON[taskPlan](v)
		if err != nil {
			return nil, err
		}
		return encodePlan(p)
	})
}
