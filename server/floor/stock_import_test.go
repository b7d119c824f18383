package floor

import (
	"reflect"
	"testing"
)

const slotsCSV = "\xef\xbb\xbfbin,sku,min,max\n" +
	"A-01-001-1,PEN-1,5,20\n" +
	" A-01-002-1 , GUM-1 , 0 , 1 \n"

const supplyCSV = "sku,supplier,lead_time_days,safety_stock,min_order\n" +
	"PEN-1,Acme,7,20,100\n" +
	"GUM-1,,0,,\n"

func TestParseSlotsCSV(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Slot
	}{
		{"with a BOM, trimmed", slotsCSV, []Slot{
			{Bin: "A-01-001-1", SKU: "PEN-1", Min: 5, Max: 20, At: "row 2"},
			{Bin: "A-01-002-1", SKU: "GUM-1", Min: 0, Max: 1, At: "row 3"},
		}},
		{"columns in any order and case", "MAX, Sku ,min,BIN\n20,PEN-1,5,A-01-001-1\n", []Slot{
			{Bin: "A-01-001-1", SKU: "PEN-1", Min: 5, Max: 20, At: "row 2"},
		}},
		{"CRLF, blank lines skipped", "bin,sku,min,max\r\n\r\nB1,S1,1,2\r\n,,,\r\nB2,S2,3,4\r\n", []Slot{
			{Bin: "B1", SKU: "S1", Min: 1, Max: 2, At: "row 3"},
			{Bin: "B2", SKU: "S2", Min: 3, Max: 4, At: "row 5"},
		}},
		{"min and max are not checked against each other here", "bin,sku,min,max\nB1,S1,9,2\n", []Slot{
			{Bin: "B1", SKU: "S1", Min: 9, Max: 2, At: "row 2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSlotsCSV([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSupplyCSV(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Supply
	}{
		{"all columns", supplyCSV, []Supply{
			{SKU: "PEN-1", Supplier: "Acme", LeadTimeDays: 7, SafetyStock: 20, MinOrder: 100, At: "row 2"},
			{SKU: "GUM-1", LeadTimeDays: 0, At: "row 3"},
		}},
		{"only the required columns, with a BOM", "\xef\xbb\xbfLead_Time_Days,SKU\n14,PEN-1\n", []Supply{
			{SKU: "PEN-1", LeadTimeDays: 14, At: "row 2"},
		}},
		{"a supplier name with a comma", "sku,supplier,lead_time_days\nPEN-1,\"Acme, Inc.\",3\n", []Supply{
			{SKU: "PEN-1", Supplier: "Acme, Inc.", LeadTimeDays: 3, At: "row 2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSupplyCSV([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSlotsCSVErrors(t *testing.T) {
	const head = "bin,sku,min,max\n"
	tests := []struct {
		name string
		data string
		want []Violation
	}{
		{"empty", "", []Violation{{"file", "empty"}}},
		{"BOM and blank lines only", "\xef\xbb\xbf\n \r\n", []Violation{{"file", "empty"}}},
		{"header only", head, []Violation{{"file", "no rows after the header"}}},
		{"blank rows only", head + ",,,\n , ,\t,\n", []Violation{{"file", "no rows after the header"}}},
		{"not UTF-8", head + "B\xe9,S,1,2\n", []Violation{{"line 2, column 2", "not UTF-8"}}},
		{"missing required columns", "bin,sku\nB1,S1\n", []Violation{
			{"header", `missing required column "min"`}, {"header", `missing required column "max"`},
		}},
		{"unknown and duplicate columns", "bin,sku,min,max,Max,colour\nB1,S1,1,2,3,red\n", []Violation{
			{"header", `column "max" appears twice`}, {"header", `unknown columns "colour"`},
		}},
		{"a column without a name", "bin,sku,,min,max\nB1,S1,x,1,2\n", []Violation{{"header", "column 3 has no name"}}},
		{"bad quote", head + "B1,S1,1,2\nB2,\"S2\nx,1,2\n", []Violation{{"line 4, column 7", `extraneous or missing "`}}},
		{"cell count", head + "B1,S1,1,2\nB2,S2,1\n", []Violation{{"row 3", "has 3 cells, the header has 4"}}},
		{"every bad cell by row and column", head +
			"B1,S1,-1,20\n" + // row 2
			"B2,S2,5,1.5\n" + // row 3
			",,,\n" + // row 4: blank, skipped
			" ,S4,x,1e3\n" + // row 5
			"B6,,,1000000000000000000\n", // row 6
			[]Violation{
				{"row 2.min", "must not be negative, got -1"},
				{"row 3.max", `want a whole number, got "1.5"`},
				{"row 5.bin", "required"},
				{"row 5.min", `want a whole number, got "x"`},
				{"row 5.max", `want a whole number, got "1e3"`},
				{"row 6.sku", "required"},
				{"row 6.min", "required"},
				{"row 6.max", "too large"},
			}},
		{"rows numbered as a spreadsheet shows them", head + "B1,S1,\"1\n\",2\n\nB3,S3,x,2\n", []Violation{
			// row 2 spans two lines, row 3 is blank
			{"row 4.min", `want a whole number, got "x"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSlotsCSV([]byte(tt.data))
			if got != nil {
				t.Errorf("got slots from a rejected file: %+v", got)
			}
			checkViolations(t, err, tt.want...)
			if fe := invalidError(t, err); len(fe.Violations) != len(tt.want) {
				t.Errorf("got %d violations %q, want %d", len(fe.Violations), fe.Violations, len(tt.want))
			}
		})
	}
}

func TestParseSupplyCSVErrors(t *testing.T) {
	const head = "sku,supplier,lead_time_days,safety_stock,min_order\n"
	tests := []struct {
		name string
		data string
		want []Violation
	}{
		{"empty", "\xef\xbb\xbf", []Violation{{"file", "empty"}}},
		{"header only", head, []Violation{{"file", "no rows after the header"}}},
		{"not UTF-8", "sku,lead_time_days\nPEN-1,7\nGUM\xff,1\n", []Violation{{"line 3, column 4", "not UTF-8"}}},
		{"missing required columns", "supplier,safety_stock\nAcme,1\n", []Violation{
			{"header", `missing required column "sku"`}, {"header", `missing required column "lead_time_days"`},
		}},
		{"every bad cell by row and column", head +
			"PEN-1,Acme,,5,10\n" + // row 2
			"GUM-1,Acme,3,-2,1.0\n" + // row 3
			",Acme,seven,,\n", // row 4
			[]Violation{
				{"row 2.lead_time_days", "required"},
				{"row 3.safety_stock", "must not be negative, got -2"},
				{"row 3.min_order", `want a whole number, got "1.0"`},
				{"row 4.sku", "required"},
				{"row 4.lead_time_days", `want a whole number, got "seven"`},
			}},
		{"negative lead time", "sku,lead_time_days\nPEN-1,-1\n", []Violation{{"row 2.lead_time_days", "must not be negative"}}},
		// Reported as typed, not after a cap that keeps it from overflowing.
		{"a huge lead time", "sku,lead_time_days\nPEN-1,99999999\n", []Violation{{"row 2.lead_time_days", "want 0 to 365 days, got 99999999"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSupplyCSV([]byte(tt.data))
			if got != nil {
				t.Errorf("got supply from a rejected file: %+v", got)
			}
			checkViolations(t, err, tt.want...)
			if fe := invalidError(t, err); len(fe.Violations) != len(tt.want) {
				t.Errorf("got %d violations %q, want %d", len(fe.Violations), fe.Violations, len(tt.want))
			}
		})
	}
}

func FuzzParseSlotsCSV(f *testing.F) {
	f.Add([]byte(slotsCSV))
	f.Add([]byte("MAX, Sku ,min,BIN\n20,PEN-1,5,A-01-001-1\n"))
	f.Add([]byte("bin,sku,min,max\r\n\r\nB1,S1,1,2\r\n,,,\r\n"))
	f.Add([]byte("bin,sku,min,max\nB1,S1,-1,1e3\n ,,x,\n"))
	f.Add([]byte("bin,sku,min,max\nB1,S1,\"1\n\",2\n\nB3,S3,x,2\n"))
	f.Add([]byte("bin,sku,min,max\nB1,\"S1\nx,1,2\n"))
	f.Add([]byte("bin,sku,min,max\nB\xe9,S,1,2\n"))
	f.Add([]byte("bin,sku,min,max\nB1,S1,99999999999999999999,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		slots, err := ParseSlotsCSV(data)
		if err != nil {
			if slots != nil || len(invalidError(t, err).Violations) == 0 {
				t.Fatalf("rejected file returned %+v with error %v", slots, err)
			}
			return
		}
		if len(slots) == 0 {
			t.Fatal("accepted a file without slots")
		}
		for _, s := range slots {
			if s.Min < 0 || s.Max < 0 {
				t.Fatalf("slot %+v has a negative number", s)
			}
			if s.Bin == "" || s.SKU == "" {
				t.Fatalf("slot %+v lacks a required cell", s)
			}
		}
	})
}

func FuzzParseSupplyCSV(f *testing.F) {
	f.Add([]byte(supplyCSV))
	f.Add([]byte("\xef\xbb\xbfLead_Time_Days,SKU\n14,PEN-1\n"))
	f.Add([]byte("sku,supplier,lead_time_days\nPEN-1,\"Acme, Inc.\",3\n"))
	f.Add([]byte("sku,lead_time_days\nPEN-1,99999999\n"))
	f.Add([]byte("sku,lead_time_days,safety_stock,min_order\nPEN-1,-1,1.5,x\n,,,\n"))
	f.Add([]byte("supplier\nAcme\n"))
	f.Add([]byte("sku,lead_time_days\nGUM\xff,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		supply, err := ParseSupplyCSV(data)
		if err != nil {
			if supply != nil || len(invalidError(t, err).Violations) == 0 {
				t.Fatalf("rejected file returned %+v with error %v", supply, err)
			}
			return
		}
		if len(supply) == 0 {
			t.Fatal("accepted a file without supply data")
		}
		for _, s := range supply {
			if s.LeadTimeDays < 0 || s.SafetyStock < 0 || s.MinOrder < 0 {
				t.Fatalf("supply %+v has a negative number", s)
			}
			if s.SKU == "" {
				t.Fatalf("supply %+v has no SKU", s)
			}
		}
	})
}
