package floor

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Carrier is a parcel service the warehouse ships with.
type Carrier struct {
	Name     string         `json:"name"`
	Services []string       `json:"services"` // the first is the default
	Tracking TrackingScheme `json:"tracking"`
	// DomesticTracking, when set, numbers the parcels that stay in the
	// sender's country (a post's domestic scheme instead of its S10
	// international one); nil numbers them with Tracking too.
	DomesticTracking *TrackingScheme `json:"domestic_tracking,omitempty"`
	MaxWeightG       int64           `json:"max_weight_g"` // 0: no limit
	Refuses          []string        `json:"refuses"`      // goods tags it will not carry
	Countries        []string        `json:"countries"`    // destinations; empty: anywhere
	Price            Money           `json:"-"`            // per parcel
	PerKg            Money           `json:"-"`            // per started kilogram
	PriceText        string          `json:"price"`        // e.g. "3.50"
	PerKgText        string          `json:"price_per_kg"` // e.g. "0.80"
	Currency         string          `json:"currency"`
	// Pieces says how the boxes of an order packed in several are
	// numbered: PiecesTracking (also "") or PiecesMaster.
	Pieces string `json:"pieces,omitempty"`
}

// Rule chooses a carrier for the parcels it matches. Empty conditions
// match everything; rules are tried in order.
type Rule struct {
	Name          string   `json:"name"`
	Countries     []string `json:"countries"`    // destination is one of these
	Channels      []string `json:"channels"`     // order came from one of these
	Goods         []string `json:"goods"`        // parcel holds any of these goods
	MinWeightG    int64    `json:"min_weight_g"` //
	MaxWeightG    int64    `json:"max_weight_g"` // 0: no upper bound
	MinValueMinor int64    `json:"min_value"`    // declared value in minor units
	MaxValueMinor int64    `json:"max_value"`    // 0: no upper bound
	Carrier       string   `json:"carrier"`
	Service       string   `json:"service"` // default: the carrier's first
}

// Shipping is the carrier set-up of a warehouse. It is stored as its
// file's JSON (From, the texts of prices and rates); Derive fills the
// fields made from them when it is read back.
type Shipping struct {
	Sender   Address      `json:"-"` // from From
	From     addressIn    `json:"sender"`
	Carriers []Carrier    `json:"carriers"`
	Rules    []Rule       `json:"rules"`
	Customs  CustomsRules `json:"customs"`
}

// Derive fills the fields ParseShipping makes from the file's text (the
// sender's address, carriers' prices, customs rates) in a set-up decoded
// from storage, where only the text is kept. A set-up stored before it had
// a sender gets an empty one: its parcels count as cross-border, as they
// always did.
func (s *Shipping) Derive() {
	f := s.From
	s.Sender = Address{Name: f.Name, Phone: f.Phone, Lines: f.Lines, City: f.City, Region: f.Region, PostalCode: f.PostalCode, Country: f.Country}
	for i := range s.Carriers {
		c := &s.Carriers[i]
		n, _ := parseMoney(c.PriceText)
		c.Price = Money{Minor: n, Currency: c.Currency}
		n, _ = parseMoney(c.PerKgText)
		c.PerKg = Money{Minor: n, Currency: c.Currency}
	}
	s.Customs.derive()
}

// Domestic reports whether a parcel to country stays in the sender's.
func (s *Shipping) Domestic(country string) bool {
	return s.Sender.Country != "" && s.Sender.Country == country
}

type addressIn struct {
	Name       string   `json:"name"`
	Phone      string   `json:"phone"`
	Lines      []string `json:"lines"`
	City       string   `json:"city"`
	Region     string   `json:"region"`
	PostalCode string   `json:"postal_code"`
	Country    string   `json:"country"`
}

// ParseShipping reads a carrier set-up (JSON: sender, carriers, rules) and
// reports every problem, naming the carrier or rule.
func ParseShipping(data []byte) (*Shipping, error) {
	const op = "import shipping"
	var s Shipping
	var vs Violations
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		vs.Add("file", "%v", err)
		return nil, vs.Err(op)
	}
	s.Derive()
	if s.Sender.Name == "" || !upperASCII(s.Sender.Country, 2) {
		vs.Add("sender", "want a name and a two-letter country")
	}
	checkAddress(&vs, s.Sender, func(f string) string { return "sender." + f })
	if len(s.Carriers) == 0 {
		vs.Add("carriers", "at least one carrier")
	}
	names := map[string]*Carrier{}
	for i := range s.Carriers {
		c := &s.Carriers[i]
		at := labelled(fmt.Sprintf("carriers[%d]", i), c.Name)
		if c.Name == "" || names[c.Name] != nil {
			vs.Add(at+".name", "missing or used twice")
		}
		checkText(&vs, at+".name", c.Name, MaxCarrierNameLen)
		if p := countProblem(len(c.Services), MaxCarrierServices, "services"); p != "" {
			vs.Add(at+".services", "%s", p)
		}
		for j, sv := range c.Services[:min(len(c.Services), MaxCarrierServices)] {
			checkText(&vs, fmt.Sprintf("%s.services[%d]", at, j), sv, MaxCarrierNameLen)
		}
		names[c.Name] = c
		if len(c.Services) == 0 {
			vs.Add(at+".services", "at least one service")
		}
		if err := c.Tracking.Validate(); err != nil {
			vs.Add(at+".tracking", "%v", err)
		}
		if c.Pieces != "" && c.Pieces != PiecesTracking && c.Pieces != PiecesMaster {
			vs.Add(at+".pieces", "want %s or %s, got %s", PiecesTracking, PiecesMaster, Quote(c.Pieces))
		}
		if d := c.DomesticTracking; d != nil {
			if err := d.Validate(); err != nil {
				vs.Add(at+".domestic_tracking", "%v", err)
			}
		}
		for _, m := range []struct {
			field, text string
			into        *Money
		}{{"price", c.PriceText, &c.Price}, {"price_per_kg", c.PerKgText, &c.PerKg}} {
			n, p := parseMoney(m.text)
			if p != "" {
				vs.Add(at+"."+m.field, "%s", p)
			}
			*m.into = Money{Minor: n, Currency: c.Currency}
		}
	}
	for i, r := range s.Rules {
		at := labelled(fmt.Sprintf("rules[%d]", i), r.Name)
		checkText(&vs, at+".name", r.Name, MaxRuleNameLen)
		c, ok := names[r.Carrier]
		switch {
		case !ok:
			vs.Add(at+".carrier", "unknown carrier %s", Quote(r.Carrier))
		case r.Service != "" && !slices.Contains(c.Services, r.Service):
			vs.Add(at+".service", "%s has no service %s", r.Carrier, Quote(r.Service))
		}
	}
	s.Customs.check(&vs)
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	return &s, nil
}

// Parcel is what carrier choice looks at.
type Parcel struct {
	Country    string
	Channel    string
	WeightG    int64
	NoWeight   []string // SKUs without a weight: the weight is unknown
	ValueMinor int64
	Goods      []string
}

// Choice is the carrier chosen for a parcel.
type Choice struct {
	Carrier string
	Service string
	Rule    string // "" when no rule matched and the cheapest carrier was taken
	Price   Money
}

// Choose picks the carrier of a parcel: the first rule that matches and
// whose carrier can take the parcel, otherwise the cheapest carrier that
// can. When none can, it says why for each carrier.
func (s *Shipping) Choose(p Parcel) (Choice, error) {
	var why []string
	for _, r := range s.Rules {
		if !r.matches(p) {
			continue
		}
		c := s.carrier(r.Carrier)
		if reason := c.refuses(p); reason != "" {
			why = append(why, fmt.Sprintf("rule %s chose %s, but %s", r.Name, c.Name, reason))
			continue
		}
		return Choice{Carrier: c.Name, Service: cmp.Or(r.Service, c.Services[0]), Rule: r.Name, Price: c.price(p)}, nil
	}
	var best *Carrier
	for i := range s.Carriers {
		c := &s.Carriers[i]
		if reason := c.refuses(p); reason != "" {
			why = append(why, fmt.Sprintf("%s: %s", c.Name, reason))
			continue
		}
		if best == nil || c.price(p).Minor < best.price(p).Minor {
			best = c
		}
	}
	if best == nil {
		return Choice{}, &Error{Op: "choose carrier", Kind: KindConflict, Reason: "NO_CARRIER",
			Msg: "no carrier can take this parcel: " + strings.Join(why, "; ")}
	}
	return Choice{Carrier: best.Name, Service: best.Services[0], Price: best.price(p)}, nil
}

func (s *Shipping) carrier(name string) *Carrier {
	for i := range s.Carriers {
		if s.Carriers[i].Name == name {
			return &s.Carriers[i]
		}
	}
	return nil
}

// TrackingFor is the scheme that numbers a carrier's parcel and the name
// of its serial counter: the domestic scheme, counted apart, for a
// domestic parcel when the carrier has one.
func (c Carrier) TrackingFor(domestic bool) (TrackingScheme, string) {
	if domestic && c.DomesticTracking != nil {
		return *c.DomesticTracking, c.Name + "\x00domestic"
	}
	return c.Tracking, c.Name
}

// Carrier returns the carrier called name.
func (s *Shipping) Carrier(name string) (Carrier, bool) {
	c := s.carrier(name)
	if c == nil {
		return Carrier{}, false
	}
	return *c, true
}

func (r Rule) matches(p Parcel) bool {
	switch {
	case len(r.Countries) > 0 && !slices.Contains(r.Countries, p.Country),
		len(r.Channels) > 0 && !slices.Contains(r.Channels, p.Channel),
		len(r.Goods) > 0 && !slices.ContainsFunc(p.Goods, func(g string) bool { return goodsListed(r.Goods, g) }),
		p.WeightG < r.MinWeightG, r.MaxWeightG > 0 && p.WeightG > r.MaxWeightG,
		p.ValueMinor < r.MinValueMinor, r.MaxValueMinor > 0 && p.ValueMinor > r.MaxValueMinor:
		return false
	}
	return true
}

// refuses says why the carrier cannot take the parcel, "" if it can.
func (c *Carrier) refuses(p Parcel) string {
	if len(c.Countries) > 0 && !slices.Contains(c.Countries, p.Country) {
		return "does not ship to " + p.Country
	}
	for _, g := range p.Goods {
		if goodsListed(c.Refuses, g) {
			return "refuses " + g
		}
	}
	if c.MaxWeightG > 0 {
		if len(p.NoWeight) > 0 {
			return fmt.Sprintf("has a %d g limit and the weight is unknown (no weight for %s)", c.MaxWeightG, strings.Join(p.NoWeight, ", "))
		}
		if p.WeightG > c.MaxWeightG {
			return fmt.Sprintf("takes at most %d g, the parcel weighs %d g", c.MaxWeightG, p.WeightG)
		}
	}
	return ""
}

func (c *Carrier) price(p Parcel) Money {
	kg := (p.WeightG + 999) / 1000
	return Money{Minor: c.Price.Minor + kg*c.PerKg.Minor, Currency: c.Currency}
}
