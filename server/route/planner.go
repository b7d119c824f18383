package route

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// Planner plans pick tasks: it implements floor.TaskPlanner with walking
// routes, familiar bins first, predicted times and batches. The zero value
// is not usable; use NewPlanner.
type Planner struct {
	cfg PlannerConfig

	mu      sync.Mutex
	layouts map[*floor.BinMap]*Layout // the store hands out one map value per import
}

// PlannerConfig tunes a Planner.
type PlannerConfig struct {
	// FamiliarThreshold is the familiarity score from which a bin and SKU
	// count as familiar (floor.DefaultFamiliarityThreshold if zero).
	FamiliarThreshold float64
	// PackAndHandoff is the predicted time from the end of the walk to the
	// courier taking the parcel (floor.DefaultPackAndHandoff if zero).
	PackAndHandoff time.Duration
	// MaxBatch is how many orders (totes) one trip may carry; 4 if zero,
	// 1 turns batching off.
	MaxBatch int
	// SmallOrderUnits is the most units an order may have to be batched;
	// 4 if zero.
	SmallOrderUnits int64
	// Route tunes the solver.
	Route Options
}

// NewPlanner returns a planner with cfg, defaults filled in.
func NewPlanner(cfg PlannerConfig) *Planner {
	if cfg.FamiliarThreshold == 0 {
		cfg.FamiliarThreshold = floor.DefaultFamiliarityThreshold
	}
	if cfg.PackAndHandoff == 0 {
		cfg.PackAndHandoff = floor.DefaultPackAndHandoff
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = 4
	}
	if cfg.SmallOrderUnits == 0 {
		cfg.SmallOrderUnits = 4
	}
	return &Planner{cfg: cfg, layouts: map[*floor.BinMap]*Layout{}}
}

func (p *Planner) layout(m *floor.BinMap) (*Layout, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.layouts[m]; ok {
		return l, nil
	}
	l, err := NewLayout(m)
	if err != nil {
		return nil, err
	}
	clear(p.layouts) // only the current map is ever asked for again
	p.layouts[m] = l
	return l, nil
}

// PlanTask plans the most urgent candidate, joined by later small ones
// when the combined trip meets every due time and walks less than the
// separate trips would.
func (p *Planner) PlanTask(in floor.PlanInput) (floor.Task, error) {
	l, err := p.layout(in.Map)
	if err != nil {
		return floor.Task{}, err
	}
	batch := in.Candidates[:1]
	best, err := p.plan(l, in, batch)
	if err != nil {
		return floor.Task{}, err
	}
	if p.small(batch[0]) {
		for _, c := range in.Candidates[1:] {
			if len(batch) == p.cfg.MaxBatch {
				break
			}
			if !p.small(c) {
				continue
			}
			alone, err := p.plan(l, in, []floor.PlanOrder{c})
			if err != nil {
				return floor.Task{}, err
			}
			joined, err := p.plan(l, in, append(append([]floor.PlanOrder{}, batch...), c))
			if err != nil {
				return floor.Task{}, err
			}
			if joined.Route.Meters < best.Route.Meters+alone.Route.Meters && !anyAtRisk(joined) {
				batch, best = append(append([]floor.PlanOrder{}, batch...), c), joined
			}
		}
	}
	return best, nil
}

func (p *Planner) small(c floor.PlanOrder) bool {
	var units int64
	for _, l := range c.Order.Lines {
		units += l.Quantity
	}
	return units <= p.cfg.SmallOrderUnits
}

func anyAtRisk(t floor.Task) bool {
	for _, o := range t.Orders {
		if o.AtRisk {
			return true
		}
	}
	return false
}

// face is one pick face of a task: where the picker stops, and the lines
// picked there.
type face struct {
	at       floor.Point
	lines    []floor.Stop
	familiar bool // every line at the face is familiar
	units    int64
}

// capNote marks a route the time cap cut short.
const capNote = " (the search hit its time cap: best route found so far)"

// plan routes one set of orders, choosing familiar-first or shortest.
func (p *Planner) plan(l *Layout, in floor.PlanInput, orders []floor.PlanOrder) (task floor.Task, err error) {
	faces, err := p.faces(l, in, orders)
	if err != nil {
		return floor.Task{}, err
	}
	points := make([]floor.Point, len(faces))
	var fam, unfam []int
	for i, f := range faces {
		points[i] = f.at
		if f.familiar {
			fam = append(fam, i)
		} else {
			unfam = append(unfam, i)
		}
	}
	shortest := l.Shortest(points, p.cfg.Route)
	task = p.predict(l, in, orders, faces, shortest.Order)
	task.Route = floor.RouteInfo{Strategy: floor.RouteShortest, Meters: shortest.Meters,
		ShortestMeters: shortest.Meters, Optimal: shortest.Optimal}
	if shortest.Capped {
		defer func() { task.Route.Reason += capNote }() // task is the named result
	}
	switch {
	case len(fam) == 0:
		task.Route.Reason = "shortest route: no familiar bins on it for this picker"
		return task, nil
	case len(unfam) == 0:
		task.Route.Reason = "shortest route: every bin on it is familiar"
		return task, nil
	}
	ff := l.Ordered([][]floor.Point{pick(points, fam), pick(points, unfam)}, p.cfg.Route)
	order := make([]int, len(ff.Order))
	both := append(append([]int{}, fam...), unfam...)
	for i, k := range ff.Order {
		order[i] = both[k]
	}
	ffTask := p.predict(l, in, orders, faces, order)
	extra := ff.Meters - shortest.Meters
	for i, o := range ffTask.Orders {
		if o.AtRisk && !task.Orders[i].AtRisk {
			task.Route.Strategy = floor.RouteShortestForDueTime
			task.Route.Reason = fmt.Sprintf("shortest route: familiar bins first (+%.0f m) would miss the due time of %s", extra, o.OrderID)
			return task, nil
		}
	}
	ffTask.Route = floor.RouteInfo{Strategy: floor.RouteFamiliarFirst, Meters: ff.Meters, ShortestMeters: shortest.Meters,
		Optimal: ff.Optimal, Reason: fmt.Sprintf("familiar bins first: %d familiar, then %d unfamiliar stops (+%.0f m)", len(fam), len(unfam), extra)}
	if ff.Capped && !shortest.Capped {
		ffTask.Route.Reason += capNote
	}
	task = ffTask
	return task, nil
}

func pick(points []floor.Point, idx []int) []floor.Point {
	out := make([]floor.Point, len(idx))
	for i, k := range idx {
		out[i] = points[k]
	}
	return out
}

// faces groups the orders' reservations by pick face, one tote per order.
func (p *Planner) faces(l *Layout, in floor.PlanInput, orders []floor.PlanOrder) ([]face, error) {
	byPoint := map[floor.Point]int{}
	var faces []face
	for i, o := range orders {
		for _, r := range o.Reservations {
			at, ok := l.Face(r.Bin)
			if !ok {
				return nil, fmt.Errorf("bin %s holds stock but is not in the bin map", r.Bin)
			}
			k, ok := byPoint[at]
			if !ok {
				k = len(faces)
				byPoint[at] = k
				faces = append(faces, face{at: at, familiar: true})
			}
			familiar := in.Familiarity[floor.FamiliarityKey(r.Bin, r.SKU)].Familiar(in.Now, p.cfg.FamiliarThreshold)
			f := &faces[k]
			f.familiar = f.familiar && familiar
			f.units += r.Quantity
			f.lines = append(f.lines, floor.Stop{Bin: r.Bin, SKU: r.SKU, Name: in.Names[r.SKU], Quantity: r.Quantity,
				OrderID: o.Order.ID, Tote: i + 1, Familiar: familiar})
		}
	}
	for _, f := range faces {
		sort.SliceStable(f.lines, func(a, b int) bool {
			if f.lines[a].Bin != f.lines[b].Bin {
				return f.lines[a].Bin < f.lines[b].Bin
			}
			return f.lines[a].Tote < f.lines[b].Tote
		})
	}
	return faces, nil
}

// predict lays the faces out in order and predicts when each is picked, when
// the picker is back, and each order's handoff.
func (p *Planner) predict(l *Layout, in floor.PlanInput, orders []floor.PlanOrder, faces []face, order []int) floor.Task {
	var t floor.Task
	var elapsed time.Duration
	metres := 0.0
	prev := l.Depot()
	for _, k := range order {
		f := faces[k]
		metres += l.Distance(prev, f.at)
		elapsed += in.Model.Walk(l.Distance(prev, f.at)) + in.Model.Stop(f.familiar, f.units)
		prev = f.at
		for _, s := range f.lines {
			s.CumulativeMeters, s.PredictedElapsed = metres, elapsed
			t.Stops = append(t.Stops, s)
		}
	}
	elapsed += in.Model.Walk(l.Distance(prev, l.Depot()))
	t.PredictedPickedAt = in.Now.Add(elapsed)
	for i, o := range orders {
		handoff := t.PredictedPickedAt.Add(p.cfg.PackAndHandoff)
		t.Orders = append(t.Orders, floor.TaskOrder{OrderID: o.Order.ID, Tote: i + 1, DueAt: o.Order.DueAt,
			PredictedHandoffAt: handoff, AtRisk: handoff.After(o.Order.DueAt)})
	}
	return t
}
