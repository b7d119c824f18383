package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/route"
	"github.com/pickpack/pickpack/server/store"
)

// planOutput is what `server plan` prints.
type planOutput struct {
	Bins           []string   `json:"bins"`
	Meters         float64    `json:"meters"`
	ShortestMeters float64    `json:"shortest_meters"`
	Optimal        bool       `json:"optimal"`
	Strategy       string     `json:"strategy"`
	Reason         string     `json:"reason"`
	PredictedTime  string     `json:"predicted_time"`
	Stops          []planStop `json:"stops"`
}

type planStop struct {
	Bin      string  `json:"bin"`
	SKU      string  `json:"sku,omitempty"`
	Familiar bool    `json:"familiar"`
	Meters   float64 `json:"cumulative_meters"`
	Elapsed  string  `json:"predicted_elapsed"`
}

var strategyNames = map[floor.RouteStrategy]string{
	floor.RouteShortest:           "shortest",
	floor.RouteFamiliarFirst:      "familiar_first",
	floor.RouteShortestForDueTime: "shortest_for_due_time",
}

// planCmd answers what-if questions: the route through some bins, for
// nobody in particular or for a picker with their learned familiarity.
func planCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	binmap := fs.String("binmap", "", "bin map file (default: the one in --data)")
	binList := fs.String("bins", "", "bin codes to visit, comma-separated")
	picker := fs.String("picker", "", "plan with this picker's familiarity and pace (needs --data of a stopped server)")
	dataDir := fs.String("data", "", "data directory of a stopped server")
	explain := fs.Bool("explain", false, "print the route for a person, stop by stop")
	var pf plannerFlags
	pf.register(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *picker != "" && *dataDir == "" {
		return errors.New("plan: --picker needs --data")
	}
	if *picker != "" {
		if err := floor.ValidateUserName(*picker); err != nil {
			return fmt.Errorf("plan: --picker: %w", err)
		}
	}
	if *binmap == "" && *dataDir == "" {
		return errors.New("plan: give --binmap FILE (or --data DIR)")
	}

	var st *store.Store
	if *dataDir != "" {
		path := filepath.Join(*dataDir, "pickpack.db")
		if !store.Exists(path) {
			return fmt.Errorf("plan: no data file at %s", path)
		}
		var err error
		if st, err = store.Open(path, store.Options{}); err != nil {
			return err
		}
		defer st.Close()
	}
	m, err := planMap(*binmap, st)
	if err != nil {
		return err
	}
	codes, err := planBins(m, *binList)
	if err != nil {
		return err
	}

	in := floor.PlanInput{Picker: *picker, Now: time.Now(), Map: m, Model: floor.DefaultPickerModel,
		Familiarity: map[string]floor.Familiarity{}}
	cand := floor.PlanOrder{Order: floor.Order{ID: "PLAN", DueAt: in.Now.Add(24 * time.Hour)}}
	for _, code := range codes {
		sku := ""
		if st != nil {
			levels, _, err := st.ListStock(store.StockFilter{Bin: code}, "", 1)
			if err != nil {
				return err
			}
			if len(levels) > 0 {
				sku = levels[0].SKU
			}
		}
		cand.Reservations = append(cand.Reservations, floor.Reservation{Bin: code, SKU: sku, Quantity: 1})
	}
	in.Candidates = []floor.PlanOrder{cand}
	if *picker != "" {
		ps, err := st.Picker(*picker)
		if err != nil {
			return err
		}
		in.Model, in.Familiarity = ps.Model, ps.Familiarity
	}
	cfg := pf.config()
	cfg.MaxBatch = 1
	task, err := route.NewPlanner(cfg).PlanTask(in)
	if err != nil {
		return err
	}

	out := planOutput{Bins: []string{}, Meters: task.Route.Meters, ShortestMeters: task.Route.ShortestMeters,
		Optimal: task.Route.Optimal, Strategy: strategyNames[task.Route.Strategy], Reason: task.Route.Reason,
		PredictedTime: task.PredictedPickedAt.Sub(in.Now).Round(time.Second).String()}
	for _, s := range task.Stops {
		out.Bins = append(out.Bins, s.Bin)
		out.Stops = append(out.Stops, planStop{Bin: s.Bin, SKU: s.SKU, Familiar: s.Familiar,
			Meters: s.CumulativeMeters, Elapsed: s.PredictedElapsed.Round(time.Second).String()})
	}
	if *explain {
		return explainPlan(stdout, out)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func planMap(file string, st *store.Store) (*floor.BinMap, error) {
	if file == "" {
		return st.BinMap()
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m, err := floor.ParseBinMap(data)
	if err != nil {
		return nil, fileError(file, err)
	}
	return m, nil
}

// planBins reads the --bins list: each code once, every code in the map.
func planBins(m *floor.BinMap, list string) ([]string, error) {
	var codes, unknown []string
	seen := map[string]bool{}
	for _, c := range strings.Split(list, ",") {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		if _, ok := m.Bin(c); !ok {
			unknown = append(unknown, c)
		}
		codes = append(codes, c)
	}
	switch {
	case len(unknown) > 0:
		return nil, fmt.Errorf("plan: %d bins not in warehouse %s's bin map: %s", len(unknown), m.Warehouse, strings.Join(unknown, ", "))
	case len(codes) == 0:
		return nil, errors.New("plan: --bins lists no bin codes")
	}
	return codes, nil
}

func explainPlan(w io.Writer, out planOutput) error {
	fmt.Fprintf(w, "%s: %.1f m (shortest possible %.1f m%s), about %s\n", out.Strategy, out.Meters, out.ShortestMeters,
		map[bool]string{true: ", proved", false: ""}[out.Optimal], out.PredictedTime)
	fmt.Fprintf(w, "why: %s\n", out.Reason)
	fmt.Fprintf(w, "  0. start at the pack station\n")
	for i, s := range out.Stops {
		fam := "unfamiliar"
		if s.Familiar {
			fam = "familiar"
		}
		fmt.Fprintf(w, "%3d. %-14s %7.1f m  %-8s %s\n", i+1, s.Bin, s.Meters, s.Elapsed, fam)
	}
	_, err := fmt.Fprintf(w, "  %d. back at the pack station: %.1f m\n", len(out.Stops)+1, out.Meters)
	return err
}
