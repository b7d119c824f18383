package labels

import (
	"fmt"
	"time"
)

// sampleDocument is a cross-border order of 20 lines (three customs items:
// two on the label, one on a continuation page): Chinese recipient,
// Cyrillic sender, customs declaration, pick list with route map. It is the
// benchmark's document too.
func sampleDocument() Document {
	wb := Waybill{
		Carrier:        "China Post",
		Service:        "ePacket · Economy",
		TrackingNumber: "LX123456785CN",
		OrderID:        "ORD-2026-000481",
		Sender: Address{
			Name:       "Склад Восток ООО",
			Lines:      []string{"ул. Ленина, д. 12, корп. 3"},
			PostalCode: "630099",
			City:       "Новосибирск",
			Country:    "RU",
			Region:     "Новосибирская обл.",
			Phone:      "+7 383 555-01-23",
		},
		Recipient: Address{
			Name:       "张伟",
			Company:    "上海云仓科技有限公司",
			Lines:      []string{"浦东新区张江路88号 3号楼 1201室"},
			PostalCode: "201203",
			City:       "上海市",
			Country:    "CN",
			Region:     "上海市",
			Phone:      "+86 138 0013 8000",
		},
		WeightGrams: 1250,
		Parcel:      1,
		Parcels:     1,
		Customs: &Customs{
			Form:     "CN22",
			Category: "sale_of_goods",
			Items: []CustomsItem{
				{DescriptionEN: "Cotton T-shirt", DescriptionZH: "棉质T恤", HSCode: "610910", Quantity: 2, Value: 2598, Currency: "USD", Origin: "CN", NetWeightGrams: 360},
				{DescriptionEN: "Ceramic mug", DescriptionZH: "陶瓷杯", HSCode: "691200", Quantity: 1, Value: 899, Currency: "USD", Origin: "CN", NetWeightGrams: 420},
				{DescriptionEN: "Phone case", DescriptionZH: "手机壳", HSCode: "392690", Quantity: 3, Value: 1497, Currency: "USD", Origin: "CN", NetWeightGrams: 150},
			},
			Date:   time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Signer: "Склад Восток ООО",
		},
	}
	names := []string{
		"Café crème filters – 100 pcs", "Ελληνικό μέλι 500 g", "Чай чёрный 100 г", "绿茶 250克",
		"Notebook A5 dotted", "Crème brûlée torch", "Кружка керамическая", "USB-C cable 1 m",
		"陶瓷杯 350ml", "Phone case, clear", "Mouse pad XL", "Σαπούνι ελαιόλαδο",
		"Socks, wool, size 42", "Tote bag canvas", "Pen set (12 colours)", "Шоколад тёмный 70%",
		"Bamboo toothbrush", "Water bottle 0.75 l", "棉质T恤 L码", "Sticky notes 76×76",
	}
	pl := &PickList{TaskID: "TASK-7781", OrderIDs: []string{"ORD-2026-000481"}}
	m := &RouteMap{
		Aisles:      []float64{2, 6, 10, 14, 18, 22},
		CrossAisles: []float64{0, 10, 20},
		Depot:       Point{X: 0, Y: -3},
	}
	// Familiar bins first, walking aisle by aisle up and down; the
	// unfamiliar ones last, as the route planner orders them.
	for i, n := range names {
		familiar := i < 14
		var a int
		var y float64
		if familiar {
			a, y = i/3, float64(2+(i%3)*3)
			if a%2 == 1 {
				y = 10 - y
			}
		} else {
			a, y = i-14, float64(13+(i%2)*4)
			if a%2 == 1 {
				y = 30 - y
			}
		}
		aisle := a + 1
		line := PickLine{
			Stop:     i + 1,
			Bin:      fmt.Sprintf("A-%02d-%03d-%d", aisle, 10+i*7%90, 1+i%4),
			SKU:      fmt.Sprintf("SKU-%05d", 1000+i*37),
			Name:     n,
			Quantity: 1 + i%3,
			Tote:     "T1",
			Familiar: familiar,
		}
		pl.Lines = append(pl.Lines, line)
		m.Stops = append(m.Stops, MapStop{Point: Point{X: m.Aisles[a], Y: y}, Familiar: familiar})
	}
	pl.Map = m
	return Document{Waybills: []Waybill{wb}, PickList: pl, Created: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}
}
