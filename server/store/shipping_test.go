package store

import (
	"path/filepath"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// The carrier set-up read back after a restart is the one imported: the
// sender (a Shanghai order to 上海 is domestic), the prices carrier choice
// compares, the domestic tracking scheme and the customs rules.
func TestShippingSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := floor.ParseShipping([]byte(`{
	  "sender": {"name": "上海云仓", "phone": "+86 21 5080 0000", "lines": ["浦东新区张江路88号"], "city": "上海", "postal_code": "201203", "country": "CN"},
	  "carriers": [{"name": "China Post", "services": ["registered"], "tracking": {"kind": "s10", "prefix": "RR", "country": "CN"},
	    "domestic_tracking": {"kind": "gs1", "prefix": "11", "digits": 13}, "price": "4.10", "price_per_kg": "6.50", "currency": "CNY"}],
	  "customs": {"cn23_above_sdr": 250, "sdr_per_unit": {"CNY": "0.10"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetShipping(in); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, _ := openTestStore(t, path)
	got, err := s2.Shipping()
	if err != nil {
		t.Fatal(err)
	}
	c := got.Carriers[0]
	switch {
	case got.Sender.Name != "上海云仓" || got.Sender.Country != "CN" || got.Sender.Phone != in.Sender.Phone:
		t.Errorf("sender after restart: %+v", got.Sender)
	case !got.Domestic("CN") || got.Domestic("US"):
		t.Error("a parcel to CN is not domestic after restart, or one to US is")
	case c.Price != in.Carriers[0].Price || c.PerKg != in.Carriers[0].PerKg:
		t.Errorf("prices after restart: %v %v, want %v %v", c.Price, c.PerKg, in.Carriers[0].Price, in.Carriers[0].PerKg)
	case c.DomesticTracking == nil || c.DomesticTracking.Prefix != "11":
		t.Errorf("domestic scheme after restart: %+v", c.DomesticTracking)
	case got.Customs.Form(map[string]int64{"CNY": 260000}, func(string) int { return 2 }) != "CN23":
		t.Error("CNY 2600 (260 SDR) over a 250 SDR limit takes no CN23 after restart")
	}
}

// A set-up stored by a build whose file form had no sender (nor customs,
// nor domestic schemes) still reads: no sender, so every parcel counts as
// cross-border, as it did.
func TestShippingStoredWithoutSenderReads(t *testing.T) {
	s, _ := openTestStore(t, "")
	old := `{"carriers":[{"name":"Post","services":["tracked"],"tracking":{"kind":"s10","prefix":"RR","country":"GB","digits":0},` +
		`"max_weight_g":2000,"refuses":["battery"],"countries":null,"price":"3.20","price_per_kg":"1.00","currency":"GBP"}],"rules":null}`
	if err := updateDB(s.db, func(tx *txn) error {
		return tx.Bucket(bucketConfig).Put([]byte(keyShipping), []byte(old))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Shipping()
	if err != nil {
		t.Fatal(err)
	}
	if got.Sender.Country != "" || got.Domestic("GB") || got.Carriers[0].Price.Minor != 320 {
		t.Errorf("old set-up read as sender %+v, price %v", got.Sender, got.Carriers[0].Price)
	}
}
