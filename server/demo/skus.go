package demo

import (
	"fmt"
	"math/rand/v2"

	"github.com/pickpack/pickpack/server/floor"
)

// skuCount is how many SKUs SKUsJSON returns.
const skuCount = 600

// product is one kind of goods the demo catalogue varies: names in English,
// Chinese and Russian, the HS heading, weight range (g), a typical box (mm),
// declared value range (US cents) and spec variants.
type product struct {
	en, zh, ru string
	hs         string
	minG, maxG int
	l, w, h    int
	minV, maxV int
	variants   []string
}

var products = []product{
	{"USB-C cable", "数据线", "Кабель USB-C", "854442", 20, 60, 120, 80, 20, 150, 900, []string{"0.5 m", "1 m", "2 m"}},
	{"HDMI cable", "HDMI线", "Кабель HDMI", "854442", 80, 250, 150, 100, 30, 300, 1500, []string{"1.5 m", "3 m"}},
	{"Phone charger", "充电器", "Зарядное устройство", "850440", 60, 200, 90, 60, 40, 500, 2500, []string{"20 W", "33 W", "65 W"}},
	{"Power bank", "移动电源", "Внешний аккумулятор", "850760", 180, 450, 150, 75, 25, 1200, 4000, []string{"10000 mAh", "20000 mAh"}},
	{"Wireless earbuds", "无线耳机", "Беспроводные наушники", "851830", 40, 120, 90, 90, 40, 1500, 6000, nil},
	{"Bluetooth speaker", "蓝牙音箱", "Колонка Bluetooth", "851822", 300, 900, 180, 90, 90, 1500, 5000, nil},
	{"Phone case", "手机壳", "Чехол для телефона", "392690", 20, 60, 170, 90, 15, 200, 1200, []string{"6.1\"", "6.7\""}},
	{"Watch strap", "表带", "Ремешок для часов", "911390", 20, 50, 120, 40, 15, 200, 1500, []string{"20 mm", "22 mm"}},
	{"LED desk lamp", "LED台灯", "Настольная лампа", "940520", 400, 1200, 400, 150, 100, 1500, 4500, nil},
	{"Electric kettle", "电热水壶", "Чайник", "851671", 900, 1600, 230, 170, 250, 1800, 4500, []string{"1.5 L", "1.7 L"}},
	{"Vacuum flask", "保温杯", "Термос", "961700", 250, 600, 80, 80, 250, 600, 2500, []string{"350ml", "500ml", "750ml"}},
	{"Ceramic mug", "陶瓷杯", "Кружка", "691200", 250, 450, 120, 90, 100, 300, 1200, []string{"300ml", "400ml"}},
	{"Teapot", "茶壶", "Заварочный чайник", "691200", 400, 1200, 200, 150, 150, 800, 3500, []string{"600ml", "1 L"}},
	{"Green tea", "绿茶", "Зелёный чай", "090210", 100, 500, 150, 100, 80, 400, 3000, []string{"100 g", "250 g"}},
	{"Chopsticks", "筷子", "Палочки для еды", "441900", 40, 150, 260, 60, 20, 200, 1000, []string{"5 pairs", "10 pairs"}},
	{"Kitchen knife", "厨房刀具", "Кухонный нож", "821191", 120, 300, 340, 60, 25, 800, 4000, []string{"15 cm", "20 cm"}},
	{"Silicone spatula", "硅胶铲", "Лопатка силиконовая", "392410", 40, 120, 290, 60, 20, 200, 800, nil},
	{"Storage box", "收纳盒", "Контейнер для хранения", "392490", 200, 1500, 350, 250, 200, 400, 2000, []string{"5 L", "10 L", "20 L"}},
	{"Cotton T-shirt", "纯棉T恤", "Футболка", "610910", 120, 250, 300, 220, 20, 400, 1800, []string{"S", "M", "L", "XL"}},
	{"Socks", "袜子", "Носки", "611595", 40, 120, 200, 100, 30, 200, 900, []string{"3 pairs", "5 pairs"}},
	{"Scarf", "围巾", "Шарф", "611710", 80, 250, 250, 200, 30, 500, 2500, nil},
	{"Running shoes", "跑步鞋", "Кроссовки", "640411", 500, 900, 330, 210, 120, 2500, 8000, []string{"EU 38", "EU 40", "EU 42", "EU 44"}},
	{"Backpack", "双肩背包", "Рюкзак", "420292", 400, 1100, 450, 300, 150, 1500, 6000, []string{"20 L", "30 L"}},
	{"Umbrella", "雨伞", "Зонт", "660191", 250, 600, 300, 70, 70, 500, 2000, nil},
	{"Notebook", "笔记本", "Блокнот", "482010", 150, 300, 210, 150, 15, 200, 900, []string{"A5 lined", "A5 dotted", "A4"}},
	{"Ballpoint pens", "圆珠笔", "Шариковые ручки", "960810", 20, 100, 150, 80, 15, 100, 600, []string{"pack of 5", "pack of 10"}},
	{"Yoga mat", "瑜伽垫", "Коврик для йоги", "392690", 900, 1800, 620, 150, 150, 1000, 3500, []string{"6 mm", "10 mm"}},
	{"Dumbbell", "哑铃", "Гантель", "950691", 1000, 5000, 250, 110, 110, 1000, 4000, []string{"2 kg", "3 kg", "5 kg"}},
	{"Face cream", "面霜", "Крем для лица", "330499", 60, 250, 70, 70, 60, 500, 4000, []string{"30ml", "50ml"}},
	{"Toothbrush", "牙刷", "Зубная щётка", "960321", 20, 40, 200, 30, 20, 100, 500, []string{"soft", "medium"}},
	{"Plush toy", "毛绒玩具", "Мягкая игрушка", "950300", 100, 600, 300, 200, 150, 500, 2500, []string{"20 cm", "35 cm"}},
	{"Jigsaw puzzle", "拼图", "Пазл", "950300", 400, 800, 300, 200, 50, 800, 2500, []string{"500 pieces", "1000 pieces"}},
}

// Brands and model words for Latin names, colours per name language.
var (
	brands  = []string{"Nordvik", "Lumière", "Kairo", "Brisa", "Zenhaus", "Élan", "Polaris", "Haru", "Kestrel", "Ōkami"}
	models  = []string{"", "", "Pro", "Lite", "Mini", "Max", "2", "S", "Plus"}
	colours = map[string][]string{
		"en": {"black", "white", "blue", "red", "grey", "green"},
		"zh": {"黑色", "白色", "蓝色", "红色", "灰色", "绿色"},
		"ru": {"чёрный", "белый", "синий", "красный", "серый", "зелёный"},
	}
	origins = []string{"VN", "JP", "DE", "TR", "IN"}
)

type skuJSON struct {
	SKU      string   `json:"sku"`
	Name     string   `json:"name"`
	Spec     string   `json:"spec"`
	Barcodes []string `json:"barcodes"`
	LengthMM int      `json:"length_mm"`
	WidthMM  int      `json:"width_mm"`
	HeightMM int      `json:"height_mm"`
	WeightG  int      `json:"weight_g,omitempty"`
	DescEN   string   `json:"customs_description_en"`
	DescZH   string   `json:"customs_description_zh"`
	HSCode   string   `json:"hs_code,omitempty"`
	Value    string   `json:"declared_value"`
	Currency string   `json:"currency"`
	Origin   string   `json:"origin"`
}

// skuID and internalCode name the i-th demo SKU (from 0).
func skuID(i int) string        { return fmt.Sprintf("SKU-%05d", i+1) }
func internalCode(i int) string { return fmt.Sprintf("I-%05d", i+1) }

// incomplete reports whether the i-th SKU is left incomplete on purpose, and
// which field it lacks: about one SKU in a hundred, like a real import.
func incomplete(i int) (missing string, ok bool) {
	if i%100 != 42 {
		return "", false
	}
	if i/100%2 == 0 {
		return "weight_g", true
	}
	return "hs_code", true
}

// ean13 returns a valid EAN-13 in the 200-299 in-store range, unique per i.
func ean13(r *rand.Rand, i int) string {
	body := fmt.Sprintf("2%02d%04d%05d", r.IntN(100), r.IntN(10000), i+1)
	check, err := floor.GTINCheckDigit(body)
	if err != nil {
		panic("demo: " + err.Error()) // body is always 12 digits
	}
	return body + string(check)
}

// SKUsJSON returns 600 demo SKUs in the JSON SKU import format, ids
// SKU-00001..SKU-00600, each with an in-store EAN-13 (prefix 200-299) and an
// internal code I-00001...; names are mostly Latin with some Chinese and
// Cyrillic ones. About 1% of the SKUs lack their weight or HS code on
// purpose, so an import of them reports the gaps.
func SKUsJSON(seed uint64) []byte {
	r := newRand(seed, streamSKUs)
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	between := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	scale := func(v int) int { return v * between(80, 120) / 100 }
	out := make([]skuJSON, skuCount)
	for i := range out {
		p := products[r.IntN(len(products))]
		lang := "en"
		switch n := r.IntN(100); {
		case n < 15:
			lang = "zh"
		case n < 27:
			lang = "ru"
		}
		var name string
		switch lang {
		case "zh":
			name = p.zh
		case "ru":
			name = p.ru + " " + pick(brands)
		default:
			name = pick(brands) + " " + p.en
			if m := pick(models); m != "" {
				name += " " + m
			}
		}
		spec := pick(colours[lang])
		if len(p.variants) > 0 {
			spec = pick(p.variants) + ", " + spec
		}
		hs := p.hs
		if r.IntN(3) == 0 {
			hs += "0000"
		}
		origin := "CN"
		if r.IntN(10) == 0 {
			origin = pick(origins)
		}
		v := between(p.minV, p.maxV)
		s := skuJSON{
			SKU: skuID(i), Name: name, Spec: spec,
			Barcodes: []string{ean13(r, i), internalCode(i)},
			LengthMM: scale(p.l), WidthMM: scale(p.w), HeightMM: scale(p.h),
			WeightG: between(p.minG, p.maxG),
			DescEN:  p.en, DescZH: p.zh, HSCode: hs,
			Value: fmt.Sprintf("%d.%02d", v/100, v%100), Currency: "USD", Origin: origin,
		}
		switch f, _ := incomplete(i); f {
		case "weight_g":
			s.WeightG = 0
		case "hs_code":
			s.HSCode = ""
		}
		out[i] = s
	}
	return mustJSON(out)
}
