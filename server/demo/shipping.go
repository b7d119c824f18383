package demo

// ShippingJSON is the demo warehouse's carrier set-up: a postal service
// with S10 tracking numbers for light parcels abroad (its domestic numbers
// at home), an express courier for the express channel and valuable
// parcels within reach, and freight for whatever is left. Customs: a CN23
// above 300 SDR, with the SDR rates of the currencies the SKUs declare.
func ShippingJSON() []byte {
	return []byte(`{
  "sender": {"name": "Pickpack Demo Warehouse", "phone": "+86 755 0000 0000", "lines": ["深圳市南山区科技园 1 号"],
             "city": "深圳", "region": "广东", "postal_code": "518057", "country": "CN"},
  "carriers": [
    {"name": "China Post", "services": ["registered", "economy"], "tracking": {"kind": "s10", "prefix": "RR", "country": "CN"},
     "domestic_tracking": {"kind": "gs1", "prefix": "11", "digits": 13},
     "max_weight_g": 2000, "refuses": ["battery", "powder", "liquid"], "price": "4.10", "price_per_kg": "6.50", "currency": "USD"},
    {"name": "Demo Express", "services": ["express", "standard"], "tracking": {"kind": "gs1", "prefix": "880", "digits": 14},
     "max_weight_g": 30000, "refuses": ["powder"], "price": "9.00", "price_per_kg": "2.20", "currency": "USD"},
    {"name": "Demo Freight", "services": ["consolidated"], "tracking": {"kind": "gs1", "prefix": "77", "digits": 12},
     "price": "30.00", "price_per_kg": "0.90", "currency": "USD"}
  ],
  "rules": [
    {"name": "express channel", "channels": ["express"], "carrier": "Demo Express", "service": "express"},
    {"name": "valuable parcels", "min_value": 15000, "carrier": "Demo Express", "service": "standard"},
    {"name": "light parcels by post", "max_weight_g": 2000, "carrier": "China Post", "service": "registered"}
  ],
  "customs": {"cn23_above_sdr": 300, "sdr_per_unit": {"USD": "0.74", "EUR": "0.86", "CNY": "0.10", "GBP": "0.99", "JPY": "0.0049"}}
}`)
}
