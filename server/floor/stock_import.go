package floor

// slotFields and supplyFields are the CSV columns of slot and supply files.
var (
	slotFields   = []string{"bin", "sku", "min", "max"}
	supplyFields = []string{"sku", "supplier", "lead_time_days", "safety_stock", "min_order"}
)

// ParseSlotsCSV reads pick-bin slots from CSV with the header
// bin,sku,min,max (any order). Every bad cell is reported by row and
// column, and no slot is returned if there is any; whether bins and SKUs
// exist is the store's to check.
func ParseSlotsCSV(data []byte) ([]Slot, error) {
	var vs Violations
	var out []Slot
	for _, row := range csvRows(data, slotFields, slotFields, &vs) {
		s := Slot{Bin: row.val["bin"], SKU: row.val["sku"], At: row.at}
		s.Min = wholeCell(row, "min", &vs)
		s.Max = wholeCell(row, "max", &vs)
		out = append(out, s)
	}
	if err := vs.Err("import slots"); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseSupplyCSV reads supply data from CSV with the header
// sku,supplier,lead_time_days,safety_stock,min_order (sku and
// lead_time_days required), reporting problems as ParseSlotsCSV does.
func ParseSupplyCSV(data []byte) ([]Supply, error) {
	var vs Violations
	var out []Supply
	for _, row := range csvRows(data, supplyFields, []string{"sku", "lead_time_days"}, &vs) {
		s := Supply{SKU: row.val["sku"], Supplier: row.val["supplier"], At: row.at}
		if days := wholeCell(row, "lead_time_days", &vs); days > maxLeadTimeDays {
			vs.Add(join(row.at, "lead_time_days"), "want 0 to %d days, got %d", maxLeadTimeDays, days)
		} else {
			s.LeadTimeDays = int(days)
		}
		s.SafetyStock = wholeCell(row, "safety_stock", &vs)
		s.MinOrder = wholeCell(row, "min_order", &vs)
		out = append(out, s)
	}
	if err := vs.Err("import supply"); err != nil {
		return nil, err
	}
	return out, nil
}

func csvRows(data []byte, known, required []string, vs *Violations) []csvRow {
	data, ok := inputText(data, vs)
	if !ok {
		return nil
	}
	rows := readCSV(data, known, required, vs)
	if len(rows) == 0 && len(*vs) == 0 {
		vs.Add("file", "no rows after the header")
	}
	for _, row := range rows {
		for _, name := range required {
			if row.val[name] == "" {
				vs.Add(join(row.at, name), "required")
			}
		}
	}
	return rows
}

func wholeCell(row csvRow, name string, vs *Violations) int64 {
	n, problem := parseWhole(row.val[name])
	if problem != "" {
		vs.Add(join(row.at, name), "%s", problem)
	}
	return n
}
