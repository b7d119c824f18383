package floor

// BarcodeKind says which symbology family a barcode belongs to.
type BarcodeKind int

// Barcode kinds. EAN-13, UPC-A and EAN-8 carry a check digit that is
// validated; internal codes are the warehouse's own labels. EAN-8 comes last
// so that the values of the older kinds do not change.
const (
	BarcodeUnknown BarcodeKind = iota
	BarcodeEAN13
	BarcodeUPCA
	BarcodeInternal
	BarcodeEAN8
)

// Barcode is one code that identifies a SKU when scanned.
type Barcode struct {
	Kind BarcodeKind
	Code string
}

// Customs is the declaration data printed on cross-border waybills.
type Customs struct {
	DescriptionEN string
	DescriptionZH string
	HSCode        string // 6 to 10 digits
	DeclaredValue Money
	Origin        string // ISO 3166-1 alpha-2 country code
}

// Money is an amount in minor units (cents, fen) of Currency (ISO 4217).
type Money struct {
	Minor    int64
	Currency string
}

// Dimensions are a SKU's outer size in millimetres.
type Dimensions struct {
	LengthMM, WidthMM, HeightMM int64
}

// SKU is the smallest stock unit.
type SKU struct {
	ID       string
	Barcodes []Barcode
	Name     string
	Spec     string
	Size     Dimensions
	WeightG  int64
	Customs  Customs
	// Goods tags kinds of goods that some carriers refuse, e.g. "battery",
	// "powder", "liquid".
	Goods []string
	// Missing lists the fields an import found empty but that later steps
	// need (weight for the pack check, customs for cross-border waybills).
	// The SKU is stored; the gaps are reported, never filled by guessing.
	Missing []string
}

// StockLevel is the stock of one SKU in one bin. Reserved units belong to
// assigned tasks and are not available to new ones.
type StockLevel struct {
	Bin      string
	SKU      string
	OnHand   int64
	Reserved int64
}

// Available is what new tasks may still reserve.
func (s StockLevel) Available() int64 { return s.OnHand - s.Reserved }
