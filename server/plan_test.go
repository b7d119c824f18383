package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

const exampleMap = "route/testdata/example-binmap.json"

func runPlan(t *testing.T, args ...string) (planOutput, error) {
	t.Helper()
	var out strings.Builder
	err := Run(context.Background(), append([]string{"plan"}, args...), &out, io.Discard)
	var got planOutput
	if err == nil {
		if jerr := json.Unmarshal([]byte(out.String()), &got); jerr != nil {
			t.Fatalf("plan printed %q: %v", out.String(), jerr)
		}
	}
	return got, err
}

// The worked examples of the bin map format.
func TestPlanCommandWorkedExamples(t *testing.T) {
	tests := []struct {
		bins       string
		wantMeters float64
		wantBins   int
	}{
		{"A-02-004-1,A-03-002-1", 32, 2},
		{"A-02-004-1,A-02-006-1", 30, 2},
		{"A-01-008-1,A-03-009-1", 52, 2},
		{"A-01-001-1,A-01-008-1,A-02-004-1,A-02-004-2,A-02-006-1,A-03-002-1,A-03-009-1,A-01-001-1", 64, 7},
	}
	for _, tt := range tests {
		got, err := runPlan(t, "--binmap", exampleMap, "--bins", tt.bins)
		if err != nil {
			t.Fatal(err)
		}
		if got.Meters != tt.wantMeters || len(got.Bins) != tt.wantBins || !got.Optimal {
			t.Errorf("plan %s = %v m through %v (optimal %v); want %v m through %d bins", tt.bins, got.Meters, got.Bins, got.Optimal, tt.wantMeters, tt.wantBins)
		}
	}
}

func TestPlanCommandBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--binmap", exampleMap, "--bins", "A-01-001-1,B-07-001-1,nonsense"}, "2 bins not in warehouse EX's bin map: B-07-001-1, nonsense"},
		{[]string{"--binmap", exampleMap, "--bins", " , "}, "lists no bin codes"},
		{[]string{"--bins", "A-01-001-1"}, "give --binmap"},
		{[]string{"--binmap", exampleMap, "--bins", "A-01-001-1", "--picker", "ann"}, "--picker needs --data"},
		{[]string{"--binmap", "no/such/file.json", "--bins", "A-01-001-1"}, "no such file"},
	}
	for _, tt := range tests {
		_, err := runPlan(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("plan %v: %v, want an error with %q", tt.args, err, tt.want)
		}
	}
}

// A picker's history from a stopped server's data puts their familiar bin
// first.
func TestPlanCommandWithPickerFamiliarity(t *testing.T) {
	dir := t.TempDir()
	if err := Run(context.Background(), []string{"import", "binmap", exampleMap, "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "pickpack.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSKUs([]floor.SKU{{ID: "S1", Name: "one"}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AdjustStock(store.StockAdjustment{Bin: "A-01-008-1", SKU: "S1", Delta: 5}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 5 {
		e := floor.PickEvent{Bin: "A-01-008-1", SKU: "S1", At: now.Add(-time.Duration(5-i) * time.Hour), AtFace: 5 * time.Second, Units: 1}
		if err := st.LearnPicks("ann", e); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	bins := "A-01-001-1,A-01-008-1,A-03-002-1"
	plain, err := runPlan(t, "--data", dir, "--bins", bins)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := runPlan(t, "--data", dir, "--bins", bins, "--picker", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Strategy != "shortest" || ann.Strategy != "familiar_first" || ann.Bins[0] != "A-01-008-1" {
		t.Errorf("plain %s %v; ann %s %v; want ann to start at her familiar A-01-008-1", plain.Strategy, plain.Bins, ann.Strategy, ann.Bins)
	}
	if ann.Meters < plain.Meters || ann.ShortestMeters != plain.Meters {
		t.Errorf("ann walks %v m (shortest %v), plain %v m", ann.Meters, ann.ShortestMeters, plain.Meters)
	}
}
