package floor

// DefaultCodeScheme is the bin code scheme used when a bin map names none:
// ZONE-AISLE-BAY-LEVEL, e.g. A-03-012-2. See CodeScheme.
const DefaultCodeScheme = "A-99-999-9"

// Point is a position on the floor in metres: X across aisles, Y along them.
type Point struct {
	X, Y float64
}

// Aisle is a walkway at X running from the lowest to the highest cross aisle.
type Aisle struct {
	ID string
	X  float64
}

// Bin is one storage location. Its pick face is at (X of its aisle, Y).
type Bin struct {
	Code  string
	Aisle string
	Y     float64
}

// BinMap is a warehouse layout as in the bin map interchange format
// (shared/binmap-format.md): where every bin's pick face is and how people
// walk between them. A BinMap returned by ParseBinMap is valid.
type BinMap struct {
	Warehouse   string
	CodeScheme  string // mask of the warehouse's bin codes, see CodeScheme
	Depot       Point
	CrossAisles []float64 // sorted ascending
	Aisles      []Aisle   // sorted by X
	Bins        []Bin     // in input order
}

// Aisle returns the aisle with the given id.
func (m *BinMap) Aisle(id string) (Aisle, bool) {
	for _, a := range m.Aisles {
		if a.ID == id {
			return a, true
		}
	}
	return Aisle{}, false
}

// Bin returns the bin with the given code.
func (m *BinMap) Bin(code string) (Bin, bool) {
	for _, b := range m.Bins {
		if b.Code == code {
			return b, true
		}
	}
	return Bin{}, false
}

// PickFace returns where a picker stands to pick from b.
func (m *BinMap) PickFace(b Bin) Point {
	a, _ := m.Aisle(b.Aisle)
	return Point{X: a.X, Y: b.Y}
}
