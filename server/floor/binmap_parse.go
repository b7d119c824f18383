package floor

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// binMapJSON is the interchange format. Numbers are pointers so that a
// forgotten "y" is reported instead of silently becoming 0, a valid place.
// Unknown fields are ignored: layout editors and other sites add their own.
type binMapJSON struct {
	Warehouse  string `json:"warehouse"`
	CodeScheme string `json:"code_scheme"`
	Depot      *struct {
		X *float64 `json:"x"`
		Y *float64 `json:"y"`
	} `json:"depot"`
	CrossAisles []*float64 `json:"cross_aisles"`
	Aisles      []struct {
		ID string   `json:"id"`
		X  *float64 `json:"x"`
	} `json:"aisles"`
	Bins []struct {
		Code  string   `json:"code"`
		Aisle string   `json:"aisle"`
		Y     *float64 `json:"y"`
	} `json:"bins"`
}

// ParseBinMap reads a bin map in the interchange format
// (shared/binmap-format.md) with the optional field "code_scheme" (default
// DefaultCodeScheme). It checks every rule of the format and reports all
// problems at once, each naming its entry, so that a map made by hand is
// fixed in one round; nothing of a rejected map is returned. The result has
// CrossAisles ascending, Aisles by X and Bins in input order.
func ParseBinMap(data []byte) (*BinMap, error) {
	const op = "import bin map"
	var vs Violations
	data, ok := inputText(data, &vs)
	if !ok {
		return nil, vs.Err(op)
	}
	if string(bytes.TrimSpace(data)) == "null" {
		vs.Add("file", "the bin map is null, want an object")
		return nil, vs.Err(op)
	}
	var in binMapJSON
	if err := json.Unmarshal(data, &in); err != nil {
		f, d := jsonErrorAt(data, err)
		vs.Add(f, "%s", d)
		return nil, vs.Err(op)
	}
	// A missing number becomes NaN, which validate reports as missing.
	num := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	m := &BinMap{
		Warehouse:  in.Warehouse,
		CodeScheme: cmp.Or(in.CodeScheme, DefaultCodeScheme),
		Depot:      Point{X: math.NaN(), Y: math.NaN()},
	}
	if in.Depot != nil {
		m.Depot = Point{X: num(in.Depot.X), Y: num(in.Depot.Y)}
	}
	for _, y := range in.CrossAisles {
		m.CrossAisles = append(m.CrossAisles, num(y))
	}
	for _, a := range in.Aisles {
		m.Aisles = append(m.Aisles, Aisle{ID: a.ID, X: num(a.X)})
	}
	for _, b := range in.Bins {
		m.Bins = append(m.Bins, Bin{Code: b.Code, Aisle: b.Aisle, Y: num(b.Y)})
	}
	m.validate(&vs)
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	slices.Sort(m.CrossAisles)
	slices.SortFunc(m.Aisles, func(a, b Aisle) int { return cmp.Compare(a.X, b.X) })
	return m, nil
}

// Validate checks m against the rules of the bin map format, as ParseBinMap
// does, for maps built by other means. Field paths index m's slices.
func (m *BinMap) Validate() error {
	var vs Violations
	m.validate(&vs)
	return vs.Err("validate bin map")
}

func (m *BinMap) validate(vs *Violations) {
	finite := func(field string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			vs.Add(field, "missing (want a finite number)")
			return false
		}
		return true
	}
	if strings.TrimSpace(m.Warehouse) == "" {
		vs.Add("warehouse", "missing")
	} else {
		checkText(vs, "warehouse", m.Warehouse, MaxWarehouseNameLen)
	}
	scheme := cmp.Or(m.CodeScheme, DefaultCodeScheme)
	schemeProb := schemeProblem(scheme)
	if schemeProb != "" {
		vs.Add("code_scheme", "%s", schemeProb)
	}

	if len(m.CrossAisles) < 2 {
		vs.Add("cross_aisles", "need at least 2 (front and back), got %d", len(m.CrossAisles))
	}
	ys := map[float64]int{} // Go map keys treat -0 and 0 as one, as they should be
	for i, y := range m.CrossAisles {
		f := fmt.Sprintf("cross_aisles[%d]", i)
		if !finite(f, y) {
			continue
		}
		if j, dup := ys[y]; dup {
			vs.Add(f, "%g is also cross_aisles[%d]; cross aisles must be distinct", y, j)
			continue
		}
		ys[y] = i
	}
	yLo, yHi := span(ys)

	if len(m.Aisles) == 0 {
		vs.Add("aisles", "need at least 1 aisle")
	}
	ids, xs := map[string]int{}, map[float64]int{}
	for i, a := range m.Aisles {
		at := labelled(fmt.Sprintf("aisles[%d]", i), a.ID)
		switch j, dup := ids[a.ID]; {
		case a.ID == "":
			vs.Add(at+".id", "missing")
		case IDAisle.Problem(a.ID) != "":
			vs.Add(at+".id", "%s", IDAisle.Problem(a.ID))
		case dup:
			vs.Add(at+".id", "duplicate id, also aisles[%d]", j)
		default:
			ids[a.ID] = i
		}
		if !finite(at+".x", a.X) {
			continue
		}
		if j, dup := xs[a.X]; dup {
			vs.Add(at+".x", "%g is also the x of aisles[%d]; aisles must be distinct", a.X, j)
			continue
		}
		xs[a.X] = i
	}
	xLo, xHi := span(xs)

	if finite("depot.x", m.Depot.X) && len(xs) > 0 && (m.Depot.X < xLo || m.Depot.X > xHi) {
		vs.Add("depot.x", "%g is outside the cross aisles, which run from x = %g to %g", m.Depot.X, xLo, xHi)
	}
	if _, on := ys[m.Depot.Y]; finite("depot.y", m.Depot.Y) && len(ys) > 0 && !on {
		vs.Add("depot.y", "%g is not on a cross aisle (y = %s)", m.Depot.Y, listFloats(ys))
	}

	codes := map[string]int{}
	for i, b := range m.Bins {
		at := labelled(fmt.Sprintf("bins[%d]", i), b.Code)
		switch j, dup := codes[b.Code]; {
		case b.Code == "":
			vs.Add(at+".code", "missing")
		case dup:
			vs.Add(at+".code", "duplicate code, also bins[%d]", j)
		case b.Code == DockBin:
			vs.Add(at+".code", "%s names the receiving dock in the stock history: give the bin another code", DockBin)
		default:
			codes[b.Code] = i
			if p := binCodeProblem(scheme, b.Code); p != "" && schemeProb == "" {
				vs.Add(at+".code", "%s", p)
			}
		}
		if _, ok := ids[b.Aisle]; !ok && b.Aisle == "" {
			vs.Add(at+".aisle", "missing")
		} else if !ok {
			vs.Add(at+".aisle", "unknown aisle %s", Quote(b.Aisle))
		}
		if finite(at+".y", b.Y) && len(ys) >= 2 && (b.Y < yLo || b.Y > yHi) {
			vs.Add(at+".y", "%g is off the aisles, which run from y = %g to %g", b.Y, yLo, yHi)
		}
	}
}

// span returns the least and greatest key of a set of coordinates.
func span(set map[float64]int) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for v := range set {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

func listFloats(set map[float64]int) string {
	vals := make([]string, 0, len(set))
	for _, v := range slices.Sorted(maps.Keys(set)) {
		vals = append(vals, fmt.Sprintf("%g", v))
	}
	return strings.Join(vals, ", ")
}
