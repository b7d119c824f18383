package floor

import (
	"strings"
	"testing"
)

const testShipping = `{
  "sender": {"name": "Pickpack Warehouse", "lines": ["1 Dock Road"], "city": "Felixstowe", "postal_code": "IP11 3SY", "country": "GB"},
  "carriers": [
    {"name": "Post", "services": ["tracked", "economy"], "tracking": {"kind": "s10", "prefix": "RR", "country": "GB"},
     "max_weight_g": 2000, "refuses": ["battery"], "price": "3.20", "price_per_kg": "1.00", "currency": "GBP"},
    {"name": "Express", "services": ["next-day"], "tracking": {"kind": "gs1", "prefix": "3400", "digits": 14},
     "max_weight_g": 30000, "refuses": ["powder"], "countries": ["GB", "FR", "DE"], "price": "6.00", "price_per_kg": "0.40", "currency": "GBP"},
    {"name": "Freight", "services": ["pallet"], "tracking": {"kind": "gs1", "prefix": "77", "digits": 12},
     "price": "25.00", "price_per_kg": "0.10", "currency": "GBP"}
  ],
  "rules": [
    {"name": "express channel", "channels": ["express"], "carrier": "Express"},
    {"name": "valuable", "min_value": 20000, "carrier": "Express"},
    {"name": "light post", "max_weight_g": 2000, "carrier": "Post", "service": "economy"}
  ]
}`

func TestChooseCarrier(t *testing.T) {
	s, err := ParseShipping([]byte(testShipping))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		parcel      Parcel
		wantCarrier string
		wantRule    string
		wantErr     string
	}{
		{"light parcel by rule", Parcel{Country: "GB", WeightG: 500}, "Post", "light post", ""},
		{"express channel", Parcel{Country: "FR", Channel: "express", WeightG: 500}, "Express", "express channel", ""},
		{"battery skips post, cheapest able", Parcel{Country: "GB", WeightG: 500, Goods: []string{"battery"}}, "Express", "", ""},
		{"valuable to Japan: express refuses the country, rule falls through", Parcel{Country: "JP", WeightG: 1500, ValueMinor: 50000}, "Post", "light post", ""},
		{"heavy: only freight", Parcel{Country: "US", WeightG: 40000}, "Freight", "", ""},
		{"unknown weight: only carriers without a limit", Parcel{Country: "GB", NoWeight: []string{"S9"}}, "Freight", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Choose(tt.parcel)
			if err != nil || got.Carrier != tt.wantCarrier || got.Rule != tt.wantRule {
				t.Errorf("Choose = %+v, %v; want %s by rule %q", got, err, tt.wantCarrier, tt.wantRule)
			}
		})
	}
	// Without Freight, a battery parcel to Japan has no carrier, and the
	// error says why for each.
	s.Carriers = s.Carriers[:2]
	_, err = s.Choose(Parcel{Country: "JP", WeightG: 500, Goods: []string{"battery"}})
	if KindOf(err) != KindConflict || !strings.Contains(err.Error(), "Post: refuses battery") || !strings.Contains(err.Error(), "Express: does not ship to JP") {
		t.Errorf("no carrier: %v", err)
	}
}

func TestParseShippingNamesProblems(t *testing.T) {
	bad := strings.Replace(testShipping, `"carrier": "Post", "service": "economy"`, `"carrier": "Pots"`, 1)
	bad = strings.Replace(bad, `"prefix": "RR"`, `"prefix": "R1"`, 1)
	_, err := ParseShipping([]byte(bad))
	for _, want := range []string{"rules[2] (light post).carrier: unknown carrier \"Pots\"", "carriers[0] (Post).tracking"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to name %q", err, want)
		}
	}
}
