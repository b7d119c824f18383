package labels

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pickpack/pickpack/server/floor"
)

// orderDocument fills a document from an order and its SKU the way
// server/docs does (which imports this package, so its test cannot be
// here): the waybill with the recipient and, when the parcel leaves the
// sender's country, a customs line per order line; a pick list line per
// order line, with a route map.
func orderDocument(o floor.Order, sku floor.SKU) Document {
	r := o.Recipient
	wb := Waybill{Carrier: "Post", Service: "tracked", TrackingNumber: "RR123456785GB", OrderID: o.ID,
		Sender: Address{Name: "Pickpack Warehouse", Lines: []string{"1 Dock Road"}, City: "Felixstowe", PostalCode: "IP11 3SY", Country: "GB"},
		Recipient: Address{Name: r.Name, Lines: r.Lines, PostalCode: r.PostalCode, City: r.City, Region: r.Region,
			Country: r.Country, Phone: r.Phone},
		Parcel: 1, Parcels: 1}
	if r.Country != "GB" {
		wb.Customs = &Customs{Category: "sale_of_goods"}
	}
	pl := &PickList{TaskID: "T000001", OrderIDs: []string{o.ID}}
	m := &RouteMap{Aisles: []float64{0, 4, 8}, CrossAisles: []float64{0, 20}}
	for i, l := range o.Lines {
		wb.WeightGrams += int(sku.WeightG * l.Quantity)
		if c := sku.Customs; wb.Customs != nil {
			wb.Customs.Items = append(wb.Customs.Items, CustomsItem{DescriptionEN: c.DescriptionEN,
				DescriptionZH: c.DescriptionZH, HSCode: c.HSCode, Quantity: int(l.Quantity),
				Value: c.DeclaredValue.Minor * l.Quantity, Currency: c.DeclaredValue.Currency, Origin: c.Origin})
		}
		m.Stops = append(m.Stops, MapStop{Point: Point{X: float64(4 * (i % 3)), Y: float64(1 + i%19)}})
		pl.Lines = append(pl.Lines, PickLine{Stop: i + 1, Bin: fmt.Sprintf("A-%02d-%03d-1", 1+i%3, i%1000),
			SKU: l.SKU, Name: sku.Name, Quantity: int(l.Quantity), Tote: "1", Familiar: i%2 == 0})
	}
	pl.Map = m
	return Document{Waybills: []Waybill{wb}, PickList: pl}
}

// textRunes counts the runes of a document's text.
func textRunes(d Document) int {
	n := 0
	count := func(ss ...string) {
		for _, s := range ss {
			n += utf8.RuneCountInString(s)
		}
	}
	for _, wb := range d.Waybills {
		for _, a := range []Address{wb.Sender, wb.Recipient} {
			count(a.Name, a.Company, a.PostalCode, a.City, a.Region, a.Country, a.Phone)
			count(a.Lines...)
		}
		count(wb.Carrier, wb.Service, wb.TrackingNumber, wb.OrderID)
		if wb.Customs != nil {
			for _, it := range wb.Customs.Items {
				count(it.DescriptionEN, it.DescriptionZH, it.HSCode, it.Currency, it.Origin)
			}
		}
	}
	if pl := d.PickList; pl != nil {
		count(pl.TaskID)
		count(pl.OrderIDs...)
		for _, l := range pl.Lines {
			count(l.Bin, l.SKU, l.Name, l.Tote)
		}
	}
	return n
}

// FuzzRenderOrder: any order (and SKU) that validation accepts renders as
// a PDF and as ZPL, and its layout measures a bounded number of runes per
// rune of text and per line (counted, not timed, so the bound cannot
// flake). Seeds: testdata/fuzz/FuzzRenderOrder. The seeds stay at 40
// lines, so that the fuzzer runs fast; TestWorstCaseRenders and
// BenchmarkWorstCase take floor.MaxOrderLines lines.
//
//	go test -run '^$' -fuzz FuzzRenderOrder -fuzztime 20s ./labels/
func FuzzRenderOrder(f *testing.F) {
	f.Add("SHOP-88", "王小明", "浦东新区世纪大道100号", "", "上海", "", "200120", "+86 21 5555 0100", "CN",
		"Thermos 500 ml 保温杯", "Vacuum flask", "保温杯", "961700", "USD", "CN", uint16(2), uint16(3))
	f.Add("O1", "Jane Doe", "1 Road", "Flat 2", "Town", "Kent", "CT1 1AA", "", "GB",
		"Mug", "", "", "", "", "", uint16(1), uint16(1))
	mt := newMixedText()
	f.Add(longID("O", limID), mt.text(limName), mt.text(limLine), mt.text(limLine), mt.text(limCity), mt.text(limCity),
		strings.Repeat("9", limPostal), strings.Repeat("8", limPhone), "RU",
		mt.text(limSKUName), mt.text(limCustoms), mt.text(limCustoms), "9999999999", "EUR", "CN", uint16(40), uint16(10000))
	f.Fuzz(func(t *testing.T, id, name, line1, line2, city, region, postal, phone, country,
		skuName, descEN, descZH, hs, currency, origin string, lines, qty uint16) {
		o := floor.Order{ID: id, Channel: "shop", Recipient: floor.Address{Name: name, City: city, Region: region,
			PostalCode: postal, Phone: phone, Country: country}}
		for _, l := range []string{line1, line2} {
			if l != "" {
				o.Recipient.Lines = append(o.Recipient.Lines, l)
			}
		}
		for i := range int(lines) {
			o.Lines = append(o.Lines, floor.OrderLine{SKU: fmt.Sprintf("SKU-%d", i), Quantity: int64(qty)})
		}
		value := floor.Money{Currency: currency}
		if currency != "" {
			value.Minor = 1999
		}
		sku := floor.SKU{ID: "SKU-0", Name: skuName, WeightG: 250, Customs: floor.Customs{DescriptionEN: descEN,
			DescriptionZH: descZH, HSCode: hs, DeclaredValue: value, Origin: origin}}
		if len(floor.ValidateOrder(o, "")) > 0 || len(floor.ValidateSKU(sku, "")) > 0 {
			return
		}
		d := orderDocument(o, sku)
		pw, err := layout(context.Background(), d)
		if err != nil {
			t.Fatalf("a valid order does not lay out: %v", err)
		}
		if bound := 40*textRunes(d) + 2000*(1+len(o.Lines)); pw.measured > bound {
			t.Errorf("%d runes measured, bound %d (%d runes of text, %d lines)", pw.measured, bound, textRunes(d), len(o.Lines))
		}
		var b bytes.Buffer
		if err := WritePDF(context.Background(), &b, d); err != nil || !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
			t.Fatalf("a valid order does not render: %v (%d bytes)", err, b.Len())
		}
		b.Reset()
		if err := WriteZPL(context.Background(), &b, d.Waybills[0]); err != nil || !bytes.HasPrefix(b.Bytes(), []byte("^XA")) {
			t.Fatalf("a valid order's waybill is not ZPL: %v (%d bytes)", err, b.Len())
		}
	})
}
