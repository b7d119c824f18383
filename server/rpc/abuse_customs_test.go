package rpc

import (
	"strings"
	"testing"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

// TestAbuseCustomsFields: an order's customs fields are held to their
// rules (a category box the forms have, references short and printable)
// with a violation naming the field, and nothing of the order is stored.
// Before the fields existed there was nothing to check; a shipping set-up
// whose customs rules are wrong is refused the same way.
func TestAbuseCustomsFields(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	ctx := e.as(floor.RoleAdmin)
	orders := pb.NewOrderServiceClient(e.conn)
	tests := []struct {
		name, field string
		set         func(o *pb.Order)
	}{
		{"unknown category", "order.customs_category", func(o *pb.Order) { o.CustomsCategory = "bribe" }},
		{"category in capitals", "order.customs_category", func(o *pb.Order) { o.CustomsCategory = "GIFT" }},
		{"1 MB importer reference", "order.importer_reference", func(o *pb.Order) { o.ImporterReference = strings.Repeat("D", 1<<20) }},
		{"control character in invoice", "order.invoice_number", func(o *pb.Order) { o.InvoiceNumber = "INV\x1b[2J" }},
		{"36-character invoice", "order.invoice_number", func(o *pb.Order) { o.InvoiceNumber = strings.Repeat("9", floor.MaxCustomsRefLen+1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &pb.Order{Id: "C1", Lines: []*pb.OrderLine{{Sku: "S1", Quantity: 1}}, Recipient: &pb.Address{Name: "Ann", Country: "DE"}}
			tt.set(o)
			_, err := orders.SubmitOrder(ctx, &pb.SubmitOrderRequest{Order: o})
			violation(t, err, tt.field)
			if _, err := e.store.Order("C1"); floor.KindOf(err) != floor.KindNotFound {
				t.Errorf("the refused order was stored: %v", err)
			}
		})
	}
	wh := pb.NewWarehouseServiceClient(e.conn)
	_, err := wh.ImportShipping(ctx, &pb.ImportShippingRequest{Data: []byte(`{"sender": {"name": "W", "country": "GB"},
		"carriers": [{"name": "P", "services": ["s"], "tracking": {"kind": "s10", "prefix": "RR", "country": "GB"}}],
		"customs": {"sdr_per_unit": {"USD": "-0.7"}}}`)})
	violation(t, err, "data: customs.sdr_per_unit (USD)")
	sh, err := e.store.Shipping()
	if err != nil || len(sh.Carriers) != 3 {
		t.Errorf("the refused set-up replaced the stored one: %+v, %v", sh, err)
	}
}

// TestAbuseCustomsDataMissingAtRelease: a cross-border order whose SKUs
// lack customs data could never get its waybill; release says so, per line
// and field, and gives it no tracking number, instead of the pack station
// finding out with a waybill whose declaration is empty. A domestic order
// of the same SKU needs no declaration and gets its waybill. An address
// its country's post cannot take is found there too, per field.
func TestAbuseCustomsDataMissingAtRelease(t *testing.T) {
	e := newEnv(t)
	e.load(t) // S3, a tea sample, has no weight and no customs data; the sender is in GB
	orders := pb.NewOrderServiceClient(e.conn)
	ctx := e.as(floor.RoleAdmin)
	berlin := &pb.Address{Name: "Ann", Lines: []string{"Hauptstr. 1"}, City: "Berlin", PostalCode: "10117", Country: "DE"}
	london := &pb.Address{Name: "Ann", Lines: []string{"1 Main St"}, City: "London", PostalCode: "EC1Y 8SY", Country: "GB"}
	noCity := &pb.Address{Name: "Ann", Lines: []string{"1 Main St"}, PostalCode: "SW1A 1AA", Country: "GB"}
	badZIP := &pb.Address{Name: "Ann", Lines: []string{"1 Main St"}, City: "Austin", Region: "Texas", PostalCode: "7870", Country: "US"}
	tests := []struct {
		name, id    string
		to          *pb.Address
		wantProblem string
	}{
		{"cross-border", "TEA-DE", berlin, "customs data missing for a cross-border parcel: lines[0] (S3): customs_description_en, hs_code, declared_value, origin"},
		{"domestic", "TEA-GB", london, ""},
		{"no city", "TEA-GB2", noCity, "the address does not fit its country's format: recipient.city: missing: UNITED KINGDOM addresses need a city"},
		{"ZIP not of its pattern", "TEA-US", badZIP, `the address does not fit its country's format: recipient.postal_code: "7870" is no postal code of UNITED STATES, such as 95014`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := orders.SubmitOrder(ctx, &pb.SubmitOrderRequest{Order: &pb.Order{Id: tt.id,
				Lines: []*pb.OrderLine{{Sku: "S3", Quantity: 1}}, Recipient: tt.to}})
			if err != nil {
				t.Fatal(err)
			}
			o := resp.GetOrder()
			if o.GetShippingProblem() != tt.wantProblem || (tt.wantProblem != "") != (o.GetTrackingNumber() == "") {
				t.Errorf("released with tracking %q, problem %q; want problem %q", o.GetTrackingNumber(), o.GetShippingProblem(), tt.wantProblem)
			}
		})
	}
}
