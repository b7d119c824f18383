package docs

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// TestAbuseOldOverLimitRecordsStillRender: the id rule and the length limits
// hold when data enters, never when it is read back. An order and a SKU
// stored before the limits existed (here through the store directly, which
// does not apply them) still open after a restart and render as PDF and ZPL.
// Its country is one whose post names no regions or postal code pattern
// (GH), so that release's address check lets the over-long ones through.
func TestAbuseOldOverLimitRecordsStillRender(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pickpack.db")
	st := must(store.Open(path, store.Options{}))(t)
	o := packOrder(t, st)

	old := floor.Order{ID: "old/order 1", Channel: strings.Repeat("c", 2*floor.MaxChannelLen),
		Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}},
		Recipient: floor.Address{Name: strings.Repeat("王", 2*floor.MaxRecipientNameLen), Country: "GH",
			Phone: strings.Repeat("1", 2*floor.MaxPhoneLen), City: strings.Repeat("上", 2*floor.MaxCityLen),
			Region: strings.Repeat("R", 2*floor.MaxRegionLen), PostalCode: strings.Repeat("9", 2*floor.MaxPostalCodeLen)}}
	for range floor.MaxAddressLines + 2 {
		old.Recipient.Lines = append(old.Recipient.Lines, strings.Repeat("路", 2*floor.MaxAddressLineLen))
	}
	if vs := floor.ValidateOrder(old, ""); len(vs) < 8 {
		t.Fatalf("the old order breaks only %d rules today: %v", len(vs), vs)
	}
	longName := floor.SKU{ID: "S1", Name: strings.Repeat("名", 2*floor.MaxSKUNameLen), Spec: strings.Repeat("s", 2*floor.MaxSKUSpecLen),
		WeightG: 250, Customs: floor.Customs{DescriptionEN: strings.Repeat("e", 2*floor.MaxCustomsENLen), DescriptionZH: strings.Repeat("中", 2*floor.MaxCustomsZHLen)}}
	if vs := floor.ValidateSKU(longName, ""); len(vs) != 4 {
		t.Fatalf("the old SKU breaks %d rules today, want 4: %v", len(vs), vs)
	}
	sku := must(st.SKU("S1"))(t)
	longName.Barcodes, longName.Size, longName.Customs.HSCode = sku.Barcodes, sku.Size, sku.Customs.HSCode
	longName.Customs.DeclaredValue, longName.Customs.Origin = sku.Customs.DeclaredValue, sku.Customs.Origin
	if err := st.PutSKUs([]floor.SKU{longName}, false); err != nil {
		t.Fatal(err)
	}
	must(st.AdjustStock(store.StockAdjustment{Bin: "A-01-001-1", SKU: "S1", Delta: 1}))(t)
	must(st.SubmitOrders([]floor.Order{old}, false))(t)
	if _, _, err := st.NextTask("ann"); err != nil {
		t.Fatal(err)
	}
	st.Close() // a restart: the data file with over-limit records opens
	st = must(store.Open(path, store.Options{}))(t)
	defer st.Close()

	got := must(st.Order(old.ID))(t)
	if !reflect.DeepEqual(got.Recipient, old.Recipient) || got.Channel != old.Channel {
		t.Errorf("read back %+v, want the stored recipient and channel unchanged", got.Recipient)
	}
	if got.Tracking == "" || got.TaskID == "" {
		t.Fatalf("the old order has no waybill or task: %+v", got)
	}
	for _, format := range []string{PDF, ZPL} {
		for _, id := range []string{o.ID, old.ID} {
			doc, err := Render(context.Background(), st, id, format, testNow)
			if err != nil || len(doc.Data) == 0 {
				t.Errorf("render %s of %q: %d bytes, %v", format, id, len(doc.Data), err)
			}
		}
	}
	if s := must(st.SKU("S1"))(t); s.Name != longName.Name {
		t.Errorf("SKU name read back as %d characters, want %d", len([]rune(s.Name)), 2*floor.MaxSKUNameLen)
	}
}
