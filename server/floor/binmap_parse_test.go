package floor

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// exampleBinMap is the worked example of the format document, copied so that
// the package's tests do not read outside their directory.
const exampleBinMap = `{
  "warehouse": "EX",
  "depot": {"x": 0.0, "y": 0.0},
  "cross_aisles": [0.0, 10.0, 20.0],
  "aisles": [
    {"id": "01", "x": 0.0},
    {"id": "02", "x": 3.0},
    {"id": "03", "x": 6.0}
  ],
  "bins": [
    {"code": "A-01-001-1", "aisle": "01", "y": 2.0},
    {"code": "A-01-008-1", "aisle": "01", "y": 18.0},
    {"code": "A-02-004-1", "aisle": "02", "y": 8.0},
    {"code": "A-02-004-2", "aisle": "02", "y": 8.0},
    {"code": "A-02-006-1", "aisle": "02", "y": 12.0},
    {"code": "A-03-002-1", "aisle": "03", "y": 4.0},
    {"code": "A-03-009-1", "aisle": "03", "y": 19.0}
  ]
}`

func TestParseBinMapExample(t *testing.T) {
	got, err := ParseBinMap([]byte(exampleBinMap))
	if err != nil {
		t.Fatal(err)
	}
	want := &BinMap{
		Warehouse:   "EX",
		CodeScheme:  DefaultCodeScheme,
		Depot:       Point{0, 0},
		CrossAisles: []float64{0, 10, 20},
		Aisles:      []Aisle{{"01", 0}, {"02", 3}, {"03", 6}},
		Bins: []Bin{
			{"A-01-001-1", "01", 2}, {"A-01-008-1", "01", 18}, {"A-02-004-1", "02", 8}, {"A-02-004-2", "02", 8},
			{"A-02-006-1", "02", 12}, {"A-03-002-1", "03", 4}, {"A-03-009-1", "03", 19},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseBinMapSortsAndKeepsProjectFields(t *testing.T) {
	got, err := ParseBinMap([]byte(`{"warehouse":"W","code_scheme":"XX-99","layout_editor":{"v":2},
		"depot":{"x":5,"y":30,"z":1},"cross_aisles":[30,-0,15],
		"aisles":[{"id":"B","x":5,"colour":"red"},{"id":"A","x":-1}],
		"bins":[{"code":"Z9-01","aisle":"B","y":30},{"code":"A1-02","aisle":"A","y":0}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.CodeScheme != "XX-99" || !slices.Equal(got.CrossAisles, []float64{0, 15, 30}) ||
		!slices.Equal(got.Aisles, []Aisle{{"A", -1}, {"B", 5}}) || got.Bins[0].Code != "Z9-01" {
		t.Errorf("got %+v", got)
	}
}

func TestParseBinMapErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Violation
	}{
		{"empty", "", []Violation{{"file", "empty"}}},
		{"null", " null ", []Violation{{"file", "null"}}},
		{"array", "[]", []Violation{{"line 1, column 1", "want an object, got array"}}},
		{"syntax", "{\n  \"warehouse\": \"W\",\n  \"depot\" {}\n}", []Violation{{"line 3, column 11", "invalid character '{'"}}},
		{"truncated", `{"warehouse": "W"`, []Violation{{"line 1, column 17", "unexpected end"}}},
		{"type", "{\"bins\": [\n {\"code\": \"A-01-001-1\", \"y\": \"2\"}]}", []Violation{{"line 2, column 32", `bins.y: want a number, got string`}}},
		{"huge number", `{"cross_aisles": [1e400]}`, []Violation{{"line 1, column 23", "got number 1e400"}}},
		{"not utf-8", "{\"warehouse\": \"\xc4\"}", []Violation{{"line 1, column 16", "not UTF-8"}}},
		{"nothing", `{}`, []Violation{
			{"warehouse", "missing"}, {"cross_aisles", "at least 2"}, {"aisles", "at least 1"},
			{"depot.x", "missing"}, {"depot.y", "missing"},
		}},
		{"entries", `{"warehouse":"W","code_scheme":"A-99-999-9","depot":{"x":-1,"y":5},
			"cross_aisles":[0,20,20,null],
			"aisles":[{"id":"01","x":1.5},{"id":"02","x":4.5},{"id":"01","x":6},{"x":4.5},{"id":"04"}],
			"bins":[{"code":"A-01-001-1","aisle":"01","y":1},
				{"code":"A-01-001-1","aisle":"01","y":2},
				{"code":"A-3-012-2","aisle":"02","y":3},
				{"code":"A-01-002-1","aisle":"07","y":4},
				{"code":"A-01-003-1","aisle":"01","y":20.5},
				{"code":"","aisle":"","y":-0.5},
				{"code":"A-01-004-1","aisle":"01"}]}`, []Violation{
			{"cross_aisles[2]", "20 is also cross_aisles[1]"},
			{"cross_aisles[3]", "missing"},
			{"aisles[2] (01).id", "duplicate id, also aisles[0]"},
			{"aisles[3].id", "missing"},
			{"aisles[3].x", "4.5 is also the x of aisles[1]"},
			{"aisles[4] (04).x", "missing"},
			{"depot.x", "-1 is outside"},
			{"depot.y", "5 is not on a cross aisle (y = 0, 20)"},
			{"bins[1] (A-01-001-1).code", "duplicate code, also bins[0]"},
			{"bins[2] (A-3-012-2).code", "position 4 should be a digit"},
			{"bins[3] (A-01-002-1).aisle", `unknown aisle "07"`},
			{"bins[4] (A-01-003-1).y", "20.5 is off the aisles, which run from y = 0 to 20"},
			{"bins[5].code", "missing"},
			{"bins[5].aisle", "missing"},
			{"bins[5].y", "-0.5 is off"},
			{"bins[6] (A-01-004-1).y", "missing"},
		}},
		{"bad scheme skips code checks", `{"warehouse":"W","code_scheme":"---","depot":{"x":0,"y":0},
			"cross_aisles":[0,1],"aisles":[{"id":"1","x":0}],"bins":[{"code":"x","aisle":"1","y":0}]}`,
			[]Violation{{"code_scheme", "no A, 9 or X"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseBinMap([]byte(tt.data))
			if m != nil {
				t.Errorf("got a map from a rejected file: %+v", m)
			}
			checkViolations(t, err, tt.want...)
			if fe := invalidError(t, err); tt.name == "bad scheme skips code checks" && len(fe.Violations) != 1 {
				t.Errorf("got %v, want only the scheme violation", fe.Violations)
			}
		})
	}
}

func TestBinMapValidateNonFinite(t *testing.T) {
	m, err := ParseBinMap([]byte(exampleBinMap))
	if err != nil {
		t.Fatal(err)
	}
	m.Bins[0].Y = math.Inf(1)
	m.Aisles[1].X = math.NaN()
	checkViolations(t, m.Validate(), Violation{"bins[0] (A-01-001-1).y", "finite"}, Violation{"aisles[1] (02).x", "finite"})
}

func FuzzParseBinMap(f *testing.F) {
	f.Add([]byte(exampleBinMap))
	f.Add([]byte(`{"warehouse":"W","code_scheme":"X9","depot":{"x":0,"y":0},"cross_aisles":[0,1],"aisles":[{"id":"a","x":0}],"bins":[{"code":"A1","aisle":"a","y":0.5}]}`))
	f.Add([]byte(`{"warehouse":"W","depot":{"x":9,"y":5},"cross_aisles":[0,0],"aisles":[{"id":"01","x":1},{"id":"01","x":1}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"bins":[{"y":"a"}]}`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseBinMap(data)
		if err != nil {
			if m != nil || len(invalidError(t, err).Violations) == 0 {
				t.Fatalf("rejected map returned %v with error %v", m, err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed map does not validate: %v", err)
		}
		if !slices.IsSorted(m.CrossAisles) || !slices.IsSortedFunc(m.Aisles, func(a, b Aisle) int { return int(math.Copysign(1, a.X-b.X)) }) {
			t.Fatalf("not sorted: %+v", m)
		}
		// Written back in the interchange format, the map must read the same.
		out, err := json.Marshal(binMapOut(m))
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseBinMap(out)
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, m, again)
		}
	})
}

// binMapOut writes m in the interchange format, as an outside tool would.
func binMapOut(m *BinMap) any {
	type pt struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	type aisle struct {
		ID string  `json:"id"`
		X  float64 `json:"x"`
	}
	type bin struct {
		Code  string  `json:"code"`
		Aisle string  `json:"aisle"`
		Y     float64 `json:"y"`
	}
	out := struct {
		Warehouse   string    `json:"warehouse"`
		CodeScheme  string    `json:"code_scheme"`
		Depot       pt        `json:"depot"`
		CrossAisles []float64 `json:"cross_aisles"`
		Aisles      []aisle   `json:"aisles"`
		Bins        []bin     `json:"bins"`
	}{m.Warehouse, m.CodeScheme, pt(m.Depot), m.CrossAisles, nil, nil}
	for _, a := range m.Aisles {
		out.Aisles = append(out.Aisles, aisle(a))
	}
	for _, b := range m.Bins {
		out.Bins = append(out.Bins, bin(b))
	}
	return out
}

func TestBinMapRefusesTheDockCode(t *testing.T) {
	_, err := ParseBinMap([]byte(`{"warehouse":"W","code_scheme":"XXXX","depot":{"x":0,"y":0},"cross_aisles":[0,10],
		"aisles":[{"id":"01","x":0}],"bins":[{"code":"DOCK","aisle":"01","y":1}]}`))
	if err == nil || !strings.Contains(err.Error(), "receiving dock") {
		t.Errorf("a bin coded DOCK: %v", err)
	}
}
