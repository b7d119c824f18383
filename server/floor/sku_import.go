package floor

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// skuFields are the CSV column and JSON field names of a SKU import; the
// same names are used in violations and in SKU.Missing.
var skuFields = []string{
	"sku", "name", "spec", "barcodes",
	"length_mm", "width_mm", "height_mm", "weight_g",
	"customs_description_en", "customs_description_zh", "hs_code",
	"declared_value", "currency", "origin", "goods",
}

// goodsTag is the shape of a kind of goods: carriers name the same tags in
// what they refuse.
var goodsTag = regexp.MustCompile(fmt.Sprintf(`^[a-z][a-z0-9_]{0,%d}$`, MaxGoodsTagLen-1))

// skuListFields hold several values: "|"-separated in CSV, arrays in JSON.
var skuListFields = []string{"barcodes", "goods"}

var skuNumberFields = []string{"length_mm", "width_mm", "height_mm", "weight_g"}

// skuRecord is one SKU as read from a file, every value as text, so that CSV
// and JSON share one conversion and one validation.
type skuRecord struct {
	at    string // "row 7 (SKU-0001)" or "skus[6] (SKU-0001)"
	val   map[string]string
	lists map[string][]string // skuListFields
}

// ParseSKUs reads a SKU import. CSV has a header naming the columns of
// skuFields in any order (sku and name required; barcodes separated by "|");
// JSON is an array of objects with the same field names, or {"skus": [...]},
// with barcodes as an array of strings, numbers as JSON numbers and
// declared_value as a string such as "12.50". Every problem in the file is
// reported, each naming its row or entry, and no SKU is returned if there is
// any. Empty weight, dimension and customs fields are not errors: they are
// listed in SKU.Missing for someone to complete.
func ParseSKUs(data []byte, format ImportFormat) ([]SKU, error) {
	const op = "import SKUs"
	var vs Violations
	recs := readSKURecords(data, format, &vs)
	if len(vs) == 0 && len(recs) == 0 {
		vs.Add("file", "no SKUs in the file")
	}
	skus := make([]SKU, 0, len(recs))
	ids, codes := map[string]string{}, map[string]string{}
	for _, r := range recs {
		s := r.sku(&vs)
		if first, dup := ids[s.ID]; dup {
			vs.addOnce(r.at+".sku", "duplicate SKU id, also %s", first)
		} else if s.ID != "" {
			ids[s.ID] = r.at
		}
		for _, b := range s.Barcodes {
			k := b.Key()
			if first, dup := codes[k]; !dup {
				codes[k] = r.at
			} else if first != r.at { // twice on one SKU is validateSKU's to report
				vs.Add(r.at+".barcodes", "barcode %s is also on %s", b.Code, first)
			}
		}
		skus = append(skus, s)
	}
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	return skus, nil
}

func readSKURecords(data []byte, format ImportFormat, vs *Violations) []skuRecord {
	if !formatOK(format, vs) {
		return nil
	}
	data, ok := inputText(data, vs)
	if !ok {
		return nil
	}
	var recs []skuRecord
	if format == ImportCSV {
		for _, row := range readCSV(data, skuFields, []string{"sku", "name"}, vs) {
			r := skuRecord{at: labelled(row.at, row.val["sku"]), val: row.val, lists: map[string][]string{}}
			for _, name := range skuListFields {
				for c := range strings.SplitSeq(row.val[name], "|") {
					if c = strings.TrimSpace(c); c != "" {
						r.lists[name] = append(r.lists[name], c)
					}
				}
			}
			recs = append(recs, r)
		}
		return recs
	}
	for i, raw := range jsonItems(data, "skus", vs) {
		o := openJSONObject(raw, vs)
		r := skuRecord{at: o.label(fmt.Sprintf("skus[%d]", i), "sku", skuFields...), val: map[string]string{}, lists: map[string][]string{}}
		for _, name := range skuFields {
			switch {
			case slices.Contains(skuListFields, name):
				r.lists[name] = o.strs(name)
			case slices.Contains(skuNumberFields, name):
				r.val[name] = o.number(name)
			case name == "declared_value" && jsonKind(o.fields[name]) == "number":
				vs.Add(join(r.at, name), "want a string such as \"12.50\"; numbers are refused because binary floating point cannot hold every amount exactly")
			default:
				r.val[name] = o.str(name)
			}
		}
		recs = append(recs, r)
	}
	return recs
}

// sku converts a record, reporting values that cannot be read, then
// validates the result as ValidateSKU does.
func (r skuRecord) sku(vs *Violations) SKU {
	v := r.val
	num := func(name string, parse func(string) (int64, string)) int64 {
		n, p := parse(v[name])
		if p != "" {
			vs.addOnce(join(r.at, name), "%s", p)
		}
		return n
	}
	s := SKU{
		ID:   v["sku"],
		Name: v["name"],
		Spec: v["spec"],
		Size: Dimensions{
			LengthMM: num("length_mm", parseWhole),
			WidthMM:  num("width_mm", parseWhole),
			HeightMM: num("height_mm", parseWhole),
		},
		WeightG: num("weight_g", parseWhole),
		Customs: Customs{
			DescriptionEN: v["customs_description_en"],
			DescriptionZH: v["customs_description_zh"],
			HSCode:        v["hs_code"],
			DeclaredValue: Money{Minor: num("declared_value", parseMoney), Currency: v["currency"]},
			Origin:        v["origin"],
		},
	}
	if goods := r.lists["goods"]; len(goods) > 0 {
		s.Goods = goods
	}
	for i, c := range r.lists["barcodes"] {
		b, p := parseBarcode(c)
		if p != "" {
			vs.addOnce(fmt.Sprintf("%s.barcodes[%d]", r.at, i), "%s", p)
			continue
		}
		s.Barcodes = append(s.Barcodes, b)
	}
	validateSKU(s, r.at, vs)
	s.FillMissing()
	return s
}

// ValidateSKU checks one SKU, for the API layer that receives SKUs one at a
// time; imports apply the same rules. Paths are field, ".", and the import
// field name ("weight_g", "barcodes[1]"). Each barcode must parse and carry
// the kind ParseBarcode gives it. Empty optional data is not a violation;
// see FillMissing.
func ValidateSKU(s SKU, field string) Violations {
	var vs Violations
	validateSKU(s, field, &vs)
	return vs
}

func validateSKU(s SKU, at string, vs *Violations) {
	f := func(name string) string { return join(at, name) }
	if p := IDSKU.Problem(s.ID); p != "" {
		vs.addOnce(f("sku"), "%s", p)
	}
	if strings.TrimSpace(s.Name) == "" {
		vs.addOnce(f("name"), "missing")
	}
	c := s.Customs
	for _, t := range []struct {
		name string
		v    string
		max  int
	}{
		{"name", s.Name, MaxSKUNameLen}, {"spec", s.Spec, MaxSKUSpecLen},
		{"customs_description_en", c.DescriptionEN, MaxCustomsENLen}, {"customs_description_zh", c.DescriptionZH, MaxCustomsZHLen},
	} {
		checkText(vs, f(t.name), t.v, t.max)
	}
	if p := countProblem(len(s.Goods), MaxGoodsTags, "goods tags"); p != "" {
		vs.addOnce(f("goods"), "%s", p)
	} else {
		for i, g := range s.Goods {
			if !goodsTag.MatchString(g) {
				vs.addOnce(f(fmt.Sprintf("goods[%d]", i)), "%s: want a lowercase word of at most %d letters such as battery, powder or liquid", Quote(g), MaxGoodsTagLen)
			}
		}
	}
	barcodes := s.Barcodes
	if p := countProblem(len(barcodes), MaxBarcodes, "barcodes"); p != "" {
		vs.addOnce(f("barcodes"), "%s", p)
		barcodes = nil // each of thousands would be checked for nothing
	}
	seen := map[string]bool{}
	for i, b := range barcodes {
		got, p := parseBarcode(b.Code)
		switch k := got.Key(); {
		case p != "":
			vs.addOnce(f(fmt.Sprintf("barcodes[%d]", i)), "%s", p)
		case got.Kind != b.Kind:
			vs.addOnce(f(fmt.Sprintf("barcodes[%d]", i)), "%s is %v, not %v", b.Code, got.Kind, b.Kind)
		case seen[k]:
			vs.Add(f("barcodes"), "barcode %s is listed twice", b.Code)
		default:
			seen[k] = true
		}
	}
	for _, n := range []struct {
		name string
		v    int64
	}{
		{"length_mm", s.Size.LengthMM}, {"width_mm", s.Size.WidthMM}, {"height_mm", s.Size.HeightMM},
		{"weight_g", s.WeightG}, {"declared_value", c.DeclaredValue.Minor},
	} {
		if n.v < 0 {
			vs.addOnce(f(n.name), "must not be negative, got %d", n.v)
		}
	}
	if h := c.HSCode; h != "" && (len(h) < 6 || len(h) > 10 || !allDigits(h)) {
		vs.addOnce(f("hs_code"), "want 6 to 10 digits without dots or spaces, got %s", Quote(h))
	}
	switch cur := c.DeclaredValue.Currency; {
	case cur == "" && c.DeclaredValue.Minor != 0:
		vs.addOnce(f("currency"), "required when declared_value is given")
	case cur != "" && !upperASCII(cur, 3):
		vs.addOnce(f("currency"), "want an ISO 4217 code of 3 uppercase letters such as EUR, got %s", Quote(cur))
	}
	if o := c.Origin; o != "" && !upperASCII(o, 2) {
		vs.addOnce(f("origin"), "want an ISO 3166-1 alpha-2 code of 2 uppercase letters such as CN, got %s", Quote(o))
	}
}

// FillMissing sets s.Missing to the import names of the empty fields that
// later steps need: weight for the pack-station weight check, dimensions for
// cartonisation and carrier rules, customs data for cross-border waybills.
// Zero counts as empty, since no real item weighs 0 g.
func (s *SKU) FillMissing() {
	c := s.Customs
	s.Missing = nil
	for _, m := range []struct {
		name  string
		empty bool
	}{
		{"weight_g", s.WeightG == 0},
		{"length_mm", s.Size.LengthMM == 0}, {"width_mm", s.Size.WidthMM == 0}, {"height_mm", s.Size.HeightMM == 0},
		{"customs_description_en", strings.TrimSpace(c.DescriptionEN) == ""},
		{"customs_description_zh", strings.TrimSpace(c.DescriptionZH) == ""},
		{"hs_code", c.HSCode == ""},
		{"declared_value", c.DeclaredValue.Minor == 0},
		{"currency", c.DeclaredValue.Currency == ""},
		{"origin", c.Origin == ""},
	} {
		if m.empty {
			s.Missing = append(s.Missing, m.name)
		}
	}
}
